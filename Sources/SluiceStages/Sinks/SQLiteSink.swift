import SluiceCore
import SluiceStorage

/// `type: sqlite` — writes events as rows of a SQLite table, in batches, upserting on a key.
extension SQLiteSink: SinkStage {
    typealias Config = SQLiteSinkConfig
    static let typeName = "sqlite"
    static let summary = "Writes events as rows of a SQLite table in batches, upserting on a key."

    static let options = [
        OptionDoc(
            "path", "string",
            "The database file; it and its missing parent folders are created. Opened in WAL mode, so "
                + "`runner query` can read it while the pipeline writes."),
        OptionDoc("table", "string", "The table; created when it does not exist. Any name works: names are quoted."),
        OptionDoc(
            "key", "[field]", default: "none",
            "Upsert on these fields: a row whose key matches an existing row replaces that row's values "
                + "(`INSERT … ON CONFLICT DO UPDATE`), so a re-emitted window updates its row. The sink creates "
                + "the unique index this needs. A row without a key value is dropped (`missing_key`). Without "
                + "`key` every row is inserted."),
        OptionDoc(
            "columns", "{field: integer | real | text | boolean | json}", default: "from the events",
            "The table's columns and their types; other fields are not stored. Without it the table is "
                + "created from the first rows and a new field adds a column (ALTER TABLE ADD COLUMN), typed by "
                + "its first value. A value that does not fit its column's type drops its row (`wrong_type`); "
                + "objects and arrays are stored as JSON text. docs/storage.md has the full mapping."),
        OptionDoc("max_events", "int", default: "10000", "Write a batch once this many events are waiting."),
        OptionDoc(
            "timeout", "duration", default: "1s",
            "Write what is waiting at least this often, so a slow stream still reaches the table."),
    ]

    static let example = """
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              ts: 1767225600000 + sequence() * 100
              category: choice(["books", "games", "music"])
              value: uniform(0, 1000)
        aggregations:
          per_category:
            type: aggregate
            inputs: [clicks]
            group_by: [category]
            window: { type: tumbling, size: 10s, time_field: ts }
            metrics:
              count: count()
              total: sum(value)
        sinks:
          store:
            type: sqlite
            inputs: [per_category]
            path: out/analytics.db
            table: category_stats
            key: [window_start, category]
            columns: { window_start: integer, window_end: integer, category: text, count: integer, total: real }
            max_events: 10000
            timeout: 1s
        """
}

/// The options of a `sqlite` sink.
public struct SQLiteSinkConfig: ProcessorConfig {
    public var target: SQLiteTableTarget
    public var maxEvents: Int
    public var timeout: ConfigDuration

    public init(
        target: SQLiteTableTarget, maxEvents: Int = 10_000, timeout: ConfigDuration = .init(milliseconds: 1_000)
    ) {
        self.target = target
        self.maxEvents = maxEvents
        self.timeout = timeout
    }

    public init?(reading reader: inout OptionsReader) {
        let path = reader.requiredString("path")
        let table = Self.identifier(reader.requiredString("table"), key: "table", reader: &reader, isTable: true)
        let key = Self.readKey(&reader)
        let columns = Self.readColumns(&reader)
        let maxEvents = reader.int("max_events", minimum: 1)
        let timeout = reader.duration("timeout")
        if let timeout, timeout.milliseconds < 1 {
            reader.error(.invalidValue, "option 'timeout' must be at least 1ms", at: reader.location(of: "timeout"))
        }
        if let path, path.isEmpty {
            reader.error(.invalidValue, "option 'path' must not be empty", at: reader.location(of: "path"))
        }
        // Against every name under `columns`, so a column with a bad type is reported once, not twice.
        if let key, let declared = reader.node("columns")?.entries {
            let names = Set(declared.map { SQLIdentifier.fold($0.key) })
            for field in key where !names.contains(field.foldedName) {
                reader.error(
                    .invalidValue, "key field '\(field.name)' is not one of 'columns'", at: reader.location(of: "key"))
            }
        }
        guard let path, let table, !reader.diagnostics.hasErrors else { return nil }
        self.init(target: SQLiteTableTarget(path: path, table: table, key: key ?? [], columns: columns))
        if let maxEvents { self.maxEvents = maxEvents }
        if let timeout { self.timeout = timeout }
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        SQLiteSink(config: self, log: context.log, shutdown: context.shutdown)
    }

    /// `key`: distinct field names, each a valid column name.
    private static func readKey(_ reader: inout OptionsReader) -> [SQLIdentifier]? {
        guard let names = reader.stringList("key") else { return nil }
        let location = reader.location(of: "key")
        var key: [SQLIdentifier] = []
        for name in names {
            guard let identifier = identifier(name, key: "key", reader: &reader, isTable: false) else { continue }
            if key.contains(where: { $0.foldedName == identifier.foldedName }) {
                reader.error(.invalidValue, "key field '\(name)' is listed twice", at: location)
                continue
            }
            key.append(identifier)
        }
        if names.isEmpty { reader.error(.invalidValue, "option 'key' must name at least one field", at: location) }
        return key
    }

    /// `columns`: a mapping of distinct column names to declarable types.
    private static func readColumns(_ reader: inout OptionsReader) -> [TableSchema.Column]? {
        guard let entries = reader.namedScalars("columns") else { return nil }
        var columns: [TableSchema.Column] = []
        let types = ColumnType.declarable.map(\.rawValue)
        let typeList = types.joined(separator: ", ")
        for entry in entries {
            guard let type = ColumnType(rawValue: entry.text), type != .any else {
                reader.error(
                    .invalidValue, "column '\(entry.name)': unknown type '\(entry.text)'; use one of \(typeList)",
                    at: entry.positions.start, suggestion: Suggestion.closest(to: entry.text, among: types))
                continue
            }
            guard let name = identifier(entry.name, key: "columns", reader: &reader, isTable: false) else {
                continue
            }
            if columns.contains(where: { $0.name.foldedName == name.foldedName }) {
                reader.error(
                    .invalidValue, "column '\(entry.name)' is listed twice (column names ignore ASCII case)",
                    at: entry.positions.start)
                continue
            }
            columns.append(TableSchema.Column(name: name, type: type))
        }
        if entries.isEmpty {
            reader.error(
                .invalidValue, "option 'columns' must name at least one column", at: reader.location(of: "columns"))
        }
        return columns
    }

    /// `name` as a table or column name, or a diagnostic at option `key` saying why it cannot be one.
    private static func identifier(
        _ name: String?, key: String, reader: inout OptionsReader, isTable: Bool
    ) -> SQLIdentifier? {
        guard let name else { return nil }
        do {
            return isTable ? try SQLIdentifier.table(name) : try SQLIdentifier(name)
        } catch {
            reader.error(.invalidValue, "option '\(key)': '\(name)': \(error)", at: reader.location(of: key))
            return nil
        }
    }
}

/// The running `sqlite` sink: buffers events and writes them in batches, retrying while the database is
/// locked.
///
/// Events are buffered and written when `max_events` are waiting, every `timeout`, and at the end, each
/// batch in one transaction (`SQLiteTableWriter`; docs/storage.md has the type mapping). A row that cannot
/// be stored is dropped with its reason (`wrong_type`, `missing_key`, `invalid_column`,
/// `rejected_by_database`) and logged; the other rows are written. The rows' acknowledgements are held
/// until their transaction commits (or released as failed when the stage fails). A locked database
/// (another writer) or a full disk is retried with backoff until it succeeds or the shutdown limit passes;
/// that, and a permanent error (a read-only file, a corrupt database), throws `StageFailure`.
final class SQLiteSink: Processor {
    private let writer: SQLiteTableWriter
    private let maxEvents: Int
    private let log: StageLog
    private let shutdown: ShutdownSignal
    private var pending: [Event] = []
    /// The acknowledgements of the pending rows, released when their transaction commits.
    private var pendingAcknowledgements = AckSet()
    private var folderReady = false
    let tickInterval: ConfigDuration?

    /// The longest wait between two attempts at a locked database.
    static let longestBackoffSeconds = 2.0
    /// Counts the attempts that found the database locked (or the disk full) and waited.
    static let writeRetries: StageCounter = "write_retries"

    init(config: SQLiteSinkConfig, log: StageLog, shutdown: ShutdownSignal) {
        writer = SQLiteTableWriter(target: config.target)
        maxEvents = config.maxEvents
        tickInterval = config.timeout
        self.log = log
        self.shutdown = shutdown
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        let inHand = batch.count
        pendingAcknowledgements.merge(output.holdAcknowledgements())
        if pending.isEmpty {
            // Taken over, not copied: the engine handed over its only reference.
            pending = batch.events
        } else {
            pending.append(contentsOf: batch.events)
        }
        if pending.count >= maxEvents { try flush(output: &output, countedByEngine: inHand) }
    }

    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {
        try flush(output: &output, countedByEngine: 0)
    }

    func finish(output: inout ProcessorOutput) throws {
        defer { writer.close() }
        try flush(output: &output, countedByEngine: 0)
    }

    /// Writes what is pending. `countedByEngine` of the pending rows belong to the batch the engine is
    /// handing over, which it counts itself should this throw.
    private func flush(output: inout ProcessorOutput, countedByEngine: Int) throws {
        guard !pending.isEmpty else { return }
        try createFolder(output: &output, countedByEngine: countedByEngine)
        var attempt = 0
        while true {
            do {
                let rejections = try writer.write(pending)
                for rejection in rejections {
                    output.drop(1, reason: rejection.reason.dropReason, message: rejection.message)
                }
                pending.removeAll(keepingCapacity: true)
                pendingAcknowledgements.take().release()
                return
            } catch  where error.isTransient {
                attempt += 1
                output.count(Self.writeRetries)
                if attempt == 1 {
                    log.warn(reason: "write_retry", "cannot write \(pending.count) rows yet: \(error); retrying")
                }
                // 50 ms, doubling up to 2 s: quick when the lock is short, quiet when it is not.
                let backoff = min(Self.longestBackoffSeconds, 0.05 * Double(1 << min(attempt - 1, 6)))
                if !shutdown.sleep(seconds: backoff) {
                    throw fail("gave up at the shutdown limit: \(error)", output: &output, countedByEngine)
                }
            } catch {
                throw fail("\(error)", output: &output, countedByEngine)
            }
        }
    }

    /// Creates the database's missing parent folders, once.
    private func createFolder(output: inout ProcessorOutput, countedByEngine: Int) throws {
        guard !folderReady else { return }
        do {
            try OutputFile.createParentDirectories(of: writer.target.path)
        } catch {
            throw fail(error.message, output: &output, countedByEngine)
        }
        folderReady = true
    }

    /// The stage's end: counts the buffered rows the engine does not know about as dropped, and
    /// returns the failure to throw.
    private func fail(_ message: String, output: inout ProcessorOutput, _ countedByEngine: Int) -> StageFailure {
        // Rows buffered when the stage fails for good; the engine counts the batch in hand itself.
        output.drop(pending.count - countedByEngine, reason: .stageFailed)
        pending.removeAll()
        writer.close()
        let failure = StageFailure(
            "cannot write to table '\(writer.target.table)' of '\(writer.target.path)': \(message)")
        pendingAcknowledgements.take().release(
            .failed(AckFailure(stage: log.stage, reason: .stageFailed, message: failure.message)))
        return failure
    }
}

extension SQLiteSinkConfig: StoresTable {
    /// The table, for the runner's `/api/tables` and `/api/query`.
    public var storedTable: StoredTable { StoredTable(databasePath: target.path, table: target.table.name) }
}
