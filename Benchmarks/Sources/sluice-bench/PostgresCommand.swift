import ArgumentParser
import SluiceCore
import SluiceStages
import SluiceStorage

/// `sluice-bench postgres --url URL`: narrow aggregate rows per second into PostgreSQL through the
/// `postgres` sink.
///
/// The rows are those of `sluice-bench sqlite`, handed to the sink's runtime in batches of 1,024 as the
/// engine would. Each repetition drops the tables and makes three passes: `copy` (no key: `COPY` straight
/// into the table), `upsert, new keys` (with `key: [window_start, category]`, into an empty table) and
/// `upsert, replacing` (the same rows again: every row replaces one).
struct PostgresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Measure narrow aggregate rows/s into PostgreSQL through the postgres sink (COPY and upserts).")

    @Option(help: "The server and database, e.g. \"$SLUICE_TEST_POSTGRES_URL\" (scripts/with-postgres.sh).")
    var url: String

    @OptionGroup var options: SinkBenchOptions

    func run() throws {
        let batches = SQLiteCommand.aggregateRows(options.rows)
        print("rows: \(grouped(Int64(options.rows))) per pass, 6 fields each, max_events: \(options.maxEvents)")
        let appended = try config(table: "bench_copy", key: [])
        let upserted = try config(table: "bench_upsert", key: ["window_start", "category"])
        let passes: [(name: String, config: PostgresSinkConfig)] = [
            ("copy", appended), ("upsert, new keys", upserted), ("upsert, replacing", upserted),
        ]
        var times = [[SinkPassTime]](repeating: [], count: passes.count)
        for _ in 0..<options.repetitions {
            try PostgresConnection(url: url).execute("DROP TABLE IF EXISTS bench_copy, bench_upsert")
            for (index, pass) in passes.enumerated() {
                times[index].append(try SinkPassTime.measure(pass.config, batches))
            }
        }
        try verify(table: "bench_copy")
        try verify(table: "bench_upsert")
        print(SinkPassTime.table(zip(passes, times).map { ($0.name, $1) }, rows: options.rows))
    }

    private func config(table: String, key: [String]) throws -> PostgresSinkConfig {
        let target = TableTarget(table: try SQLIdentifier.table(table), key: try key.map { try SQLIdentifier($0) })
        return PostgresSinkConfig(url: url, options: TableSinkOptions(target: target, maxEvents: options.maxEvents))
    }

    /// Checks that `table` holds one row per key: every row was written, and upserts replaced rows.
    private func verify(table: String) throws {
        let result = try PostgresReadOnlySession(url: url, timeoutSeconds: nil).run(
            "SELECT count(*), count(DISTINCT (window_start, category)) FROM \(table)", limit: nil)
        guard result.rows.first == [.int(Int64(options.rows)), .int(Int64(options.rows))] else {
            throw ValidationError("expected \(options.rows) distinct rows in \(table), found \(result.rows)")
        }
    }
}
