import ArgumentParser
import SluiceCore
import SluiceStorage

/// `runner query`: reads stored results with one read-only SQL statement.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read-only SQL statement against a database that sinks write.",
        discussion: """
            The database connection refuses every change (INSERT, UPDATE, DELETE, DDL, ATTACH, PRAGMA \
            writes; PostgreSQL: a READ ONLY transaction): such a statement fails with exit code 1, as do \
            invalid SQL and a query that outlives --timeout. docs/storage.md describes the tables sinks write.
            """)

    @Option(help: "The SQLite database file to read.")
    var db: String?

    @Option(help: "The PostgreSQL server to read: postgres://user:password@host:port/database.")
    var url: String?

    @Option(help: "Output format: table, json (an array of objects) or csv.")
    var format: QueryOutputFormat = .table

    @Option(help: "The most rows to print (0: all); the output says when rows were cut.")
    var limit = 1_000

    @Option(help: "Interrupt the query after this long, e.g. 500ms, 30s, 5m (0s: never).")
    var timeout = "30s"

    @Argument(help: "The SQL statement, e.g. \"SELECT * FROM site_stats ORDER BY window_start DESC\".")
    var sql: String

    func validate() throws {
        switch (db, url) {
        case (nil, nil): throw ValidationError("missing --db PATH or --url URL: the database to query")
        case (.some, .some): throw ValidationError("--db and --url name two databases: give one")
        default: break
        }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more, found \(limit)") }
        guard ConfigDuration(parsing: timeout) != nil else {
            throw ValidationError("--timeout: invalid duration '\(timeout)' (use e.g. 500ms, 30s, 5m)")
        }
    }

    func run() throws {
        // validate() has checked both.
        guard let timeout = ConfigDuration(parsing: timeout) else { throw RunnerExit.queryFailed }
        let database: QueryDatabase = url.map { .postgres(url: $0) } ?? .sqlite(path: db ?? "")
        let querier = ReadOnlyQuerier(database, timeoutSeconds: timeout.milliseconds == 0 ? nil : timeout.seconds)
        let result: QueryResult
        do {
            result = try querier.run(sql, limit: limit == 0 ? nil : limit)
        } catch {
            StandardError.write("error: \(error)\n")
            throw RunnerExit.queryFailed
        }
        print(result.rendered(as: format), terminator: "")
        // The table says so in its footer; json and csv stay machine-readable, so the note goes to stderr.
        if result.isTruncated && format != .table {
            StandardError.write("note: only the first \(limit) rows were printed; raise --limit to see more\n")
        }
    }
}

extension QueryOutputFormat: ExpressibleByArgument {}

extension RunnerExit {
    /// A query failed: invalid SQL, a refused write, a timeout, or a database that cannot be opened.
    static let queryFailed = ExitCode(1)
}
