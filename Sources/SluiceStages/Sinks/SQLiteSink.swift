import SluiceCore
import SluiceStorage

/// `type: sqlite` — writes events as rows of a SQLite table, in batches, upserting on a key.
extension SQLiteSink: SinkStage {
    typealias Config = SQLiteSinkConfig
    static let typeName = "sqlite"
    static let summary = "Writes events as rows of a SQLite table in batches, upserting on a key."

    static let options =
        [
            OptionDoc(
                "path", "string",
                "The database file; it and its missing parent folders are created. Opened in WAL mode, so "
                    + "`runner query` can read it while the pipeline writes.")
        ] + TableSinkOptions.docs

    static let example = TableSinkOptions.example(type: "sqlite", location: "path: out/analytics.db")
}

/// The options of a `sqlite` sink.
public struct SQLiteSinkConfig: ProcessorConfig {
    public var path: String
    public var options: TableSinkOptions

    public init(path: String, options: TableSinkOptions) {
        self.path = path
        self.options = options
    }

    public init?(reading reader: inout OptionsReader) {
        let path = reader.requiredString("path")
        let options = TableSinkOptions(reading: &reader, dialect: .sqlite)
        if let path, path.isEmpty {
            reader.error(.invalidValue, "option 'path' must not be empty", at: reader.location(of: "path"))
        }
        guard let path, let options, !reader.diagnostics.hasErrors else { return nil }
        self.init(path: path, options: options)
    }

    /// Where the sink writes.
    public var target: SQLiteTableTarget {
        SQLiteTableTarget(
            path: path, table: options.target.table, key: options.target.key, columns: options.target.columns)
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        SQLiteSink(config: self, context: context)
    }
}

/// The running `sqlite` sink: a `TableSink` writing through a `SQLiteTableWriter`, which first creates
/// the database's missing parent folders.
final class SQLiteSink: TableSink {
    init(config: SQLiteSinkConfig, context: StageContext) {
        let path = config.path
        super.init(writer: SQLiteTableWriter(target: config.target), options: config.options, context: context) {
            () throws(StageFailure) in try OutputFile.createParentDirectories(of: path)
        }
    }
}

extension SQLiteSinkConfig: StoresTable {
    /// The table, for the runner's `/api/tables` and `/api/query`.
    public var storedTable: StoredTable { StoredTable(databasePath: target.path, table: target.table.name) }
}
