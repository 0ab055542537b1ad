import SluiceCore
import SluiceStorage

/// `type: sql` — runs a query against SQLite or PostgreSQL every `interval`; with a cursor, only the new rows.
extension SQLSource: SourceStage {
    typealias Config = SQLSourceConfig
    static let typeName = "sql"
    static let summary =
        "Runs a read-only query against SQLite or PostgreSQL every interval, incrementally on a cursor column."

    static let options = [
        OptionDoc("path", "string", default: "none", "A SQLite database file to read (give `path` or `url`)."),
        OptionDoc(
            "url", "string", default: "none",
            "A PostgreSQL server to read, `postgres://user:password@host:port/database`, usually `${DATABASE_URL}` "
                + "(give `path` or `url`)."),
        OptionDoc(
            "query", "string",
            "One read-only SQL statement; each row becomes an event with a field per column, typed as the "
                + "database types it. With `cursor`, `$1` in it is the last cursor value: `SELECT * FROM orders "
                + "WHERE id > $1 ORDER BY id`."),
        OptionDoc("interval", "duration", default: "10s", "How long to wait after a run before the next one."),
        OptionDoc(
            "cursor.column", "string", default: "none",
            "Read incrementally: after each batch of rows the cursor becomes this column's value in the batch's "
                + "last row (order the rows by it), and the next run gets it as `$1`. An id or a timestamp."),
        OptionDoc(
            "cursor.start", "scalar", default: "null",
            "`$1` before any row was read, e.g. `0` or `\"2026-01-01T00:00:00Z\"`; null matches nothing in "
                + "`id > $1`."),
        OptionDoc(
            "state_path", "string", default: ".sluice/state/PIPELINE/STAGE.json",
            "Where the cursor is kept across reloads and restarts (relative to the working directory); replaced "
                + "atomically after each batch the pipeline accepted. Delete it to read from `cursor.start` again."),
        OptionDoc(
            "timeout", "duration", default: "30s",
            "Interrupt a run that takes longer; the next run tries again."),
    ]

    static let example = """
        sources:
          orders:
            type: sql
            path: data/shop.db
            query: SELECT id, customer, amount, created_at FROM orders WHERE id > $1 ORDER BY id LIMIT 10000
            interval: 5s
            cursor: { column: id, start: 0 }
            state_path: .sluice/state/shop/orders.json
        sinks:
          out:
            type: file
            inputs: [orders]
            path: out/orders.ndjson
        """
}

/// The options of a `sql` source.
public struct SQLSourceConfig: SourceConfig {
    /// An incremental read's cursor: the column it follows, and its value before any row was read.
    public struct Cursor: Sendable, Equatable {
        public var column: String
        public var start: Value
    }

    public var database: QueryDatabase
    public var query: String
    public var interval: ConfigDuration
    public var cursor: Cursor?
    /// `nil`: `.sluice/state/<pipeline>/<stage>.json`.
    public var statePath: String?
    public var timeout: ConfigDuration

    /// The folder under which cursors are kept by default, relative to the working directory.
    public static let defaultStateFolder = ".sluice/state"

    public init?(reading reader: inout OptionsReader) {
        let path = reader.filePath("path")
        let url = reader.string("url")
        let query = reader.requiredString("query")
        let interval = reader.duration("interval") ?? ConfigDuration(milliseconds: 10_000)
        let timeout = reader.duration("timeout") ?? ConfigDuration(milliseconds: 30_000)
        let cursor = Self.readCursor(&reader)
        statePath = reader.filePath("state_path")
        switch (path, url) {
        case (nil, nil) where !reader.contains("path") && !reader.contains("url"):
            reader.error(.missingField, "give 'path' (SQLite) or 'url' (PostgreSQL)", at: reader.location(of: "path"))
        case (.some, .some):
            reader.error(.invalidValue, "give 'path' or 'url', not both", at: reader.location(of: "url"))
        default: break
        }
        for (key, text) in [("path", path), ("url", url), ("query", query)] where text?.isEmpty == true {
            reader.error(.invalidValue, "option '\(key)' must not be empty", at: reader.location(of: key))
        }
        if interval.milliseconds < 1 {
            reader.error(.invalidValue, "option 'interval' must be at least 1ms", at: reader.location(of: "interval"))
        }
        if statePath != nil && !reader.contains("cursor") {
            reader.error(
                .invalidValue, "option 'state_path' keeps a cursor: it needs 'cursor'",
                at: reader.location(of: "state_path"))
        }
        guard let query, !reader.diagnostics.hasErrors else { return nil }
        if let url {
            database = .postgres(url: url)
        } else if let path {
            database = .sqlite(path: path)
        } else {
            return nil
        }
        self.query = query
        self.interval = interval
        self.timeout = timeout
        self.cursor = cursor
    }

    /// `cursor: { column: id, start: 0 }`.
    private static func readCursor(_ reader: inout OptionsReader) -> Cursor? {
        guard var nested = reader.nested("cursor") else { return nil }
        defer { reader.merge(&nested) }
        let column = nested.requiredString("column")
        let start = nested.node("start").map(Self.startValue) ?? .null
        if column?.isEmpty == true {
            nested.error(.invalidValue, "option 'column' must not be empty", at: nested.location(of: "column"))
        }
        return column.map { Cursor(column: $0, start: start) }
    }

    /// A scalar as the value it reads as: an int, a float, or text.
    private static func startValue(_ node: ConfigNode) -> Value {
        guard let text = node.scalar else { return .null }
        if let number = Int64(text) { return .int(number) }
        if let number = Double(text), number.isFinite { return .double(number) }
        return .string(text)
    }

    public func makeSource(context: StageContext) throws -> any Source {
        let path = statePath ?? "\(Self.defaultStateFolder)/\(context.pipeline)/\(context.stage).json"
        return SQLSource(config: self, state: CursorStateFile(path: path), log: context.log)
    }
}

/// The running `sql` source: queries, sends the rows in batches, and saves the cursor after each batch the
/// pipeline accepted. A run that fails (the server is away, the table not created yet, a timeout) is
/// counted as `query_errors` and logged, and the next run tries again; a query that writes fails the stage.
final class SQLSource: Source {
    private let config: SQLSourceConfig
    private let state: CursorStateFile
    private let log: StageLog

    /// Counts runs of the query that failed.
    static let queryErrors: StageCounter = "query_errors"

    init(config: SQLSourceConfig, state: CursorStateFile, log: StageLog) {
        self.config = config
        self.state = state
        self.log = log
    }

    func run(output: SourceOutput) throws {
        let querier = ReadOnlyQuerier(
            config.database, timeoutSeconds: config.timeout.milliseconds == 0 ? nil : config.timeout.seconds)
        defer { querier.close() }
        var cursor: Value?
        if let column = config.cursor?.column {
            try state.prepare()
            cursor = try state.load(column: column) ?? config.cursor?.start
        }
        var failedRuns = 0
        while !output.isStopping {
            let result: QueryResult
            do {
                result = try querier.run(config.query, parameters: cursor.map { [$0] } ?? [], limit: nil)
            } catch {
                if case .writeRefused = error { throw StageFailure("the query writes, and may only read: \(error)") }
                failedRuns += 1
                output.count(
                    Self.queryErrors, 1,
                    message: "cannot query \(config.database): \(error); trying again in \(config.interval)")
                output.sleep(seconds: config.interval.seconds)
                continue
            }
            if failedRuns > 0 {
                log.warning("querying \(config.database) works again after \(failedRuns) failed runs")
                failedRuns = 0
            }
            guard try send(result, cursor: &cursor, output: output) else { return }
            output.sleep(seconds: config.interval.seconds)
        }
    }

    /// Sends the rows in batches, saving the cursor after each batch accepted; false when the pipeline
    /// stopped taking them.
    private func send(_ result: QueryResult, cursor: inout Value?, output: SourceOutput) throws -> Bool {
        var cursorIndex: Int?
        if let column = config.cursor?.column {
            guard let index = result.columns.firstIndex(of: column) else {
                throw StageFailure(
                    "the query returns no column '\(column)' (cursor.column); its columns: "
                        + result.columns.joined(separator: ", "))
            }
            cursorIndex = index
        }
        let names = result.columns.map(FieldName.init)
        let batchSize = max(1, output.batchSize)
        for start in stride(from: 0, to: result.rows.count, by: batchSize) {
            let rows = result.rows[start..<min(start + batchSize, result.rows.count)]
            var batch = EventBatch(capacity: rows.count)
            for row in rows {
                var event = Event(capacity: names.count)
                // Set, not appended: a column name that repeats keeps its last value.
                for (name, value) in zip(names, row) { event[name] = value }
                batch.append(event)
            }
            guard output.send(consume batch) else { return false }
            if let cursorIndex, let column = config.cursor?.column,
                let last = rows.last(where: { !$0[cursorIndex].isNull })?[cursorIndex], last != cursor
            {
                cursor = last
                try state.save(column: column, value: last)
            }
        }
        return true
    }
}
