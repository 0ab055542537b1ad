import SluiceCore
import SluiceStorage

/// `type: postgres` — writes events as rows of a PostgreSQL table with COPY, in batches, upserting on a key.
extension PostgresSink: SinkStage {
    typealias Config = PostgresSinkConfig
    static let typeName = "postgres"
    static let summary =
        "Writes events as rows of a PostgreSQL table with COPY, in batches, upserting on a key; waits out restarts."

    static let options =
        [
            OptionDoc(
                "url", "string",
                "The server and database: `postgres://user:password@host:port/database` (or a libpq key=value "
                    + "string), usually `${DATABASE_URL}`. Messages show it without the password. While the server "
                    + "is away the sink waits and retries the batch (backpressure); a wrong password or a database "
                    + "that does not exist fails the stage.")
        ] + TableSinkOptions.docs

    static let example = TableSinkOptions.example(
        type: "postgres", location: "url: ${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}")
}

/// The options of a `postgres` sink.
public struct PostgresSinkConfig: ProcessorConfig {
    public var url: String
    public var options: TableSinkOptions

    public init(url: String, options: TableSinkOptions) {
        self.url = url
        self.options = options
    }

    public init?(reading reader: inout OptionsReader) {
        let url = reader.requiredString("url")
        let options = TableSinkOptions(reading: &reader, dialect: .postgres)
        if let url, url.isEmpty {
            reader.error(.invalidValue, "option 'url' must not be empty", at: reader.location(of: "url"))
        }
        guard let url, let options, !reader.diagnostics.hasErrors else { return nil }
        self.init(url: url, options: options)
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        PostgresSink(config: self, context: context)
    }
}

/// The running `postgres` sink: a `TableSink` writing through a `PostgresTableWriter`. A lost connection
/// (the server restarted) is opened again and the batch written whole; each new connection is counted as
/// `reconnects`, each attempt as `write_retries`.
final class PostgresSink: TableSink {
    init(config: PostgresSinkConfig, context: StageContext) {
        super.init(
            writer: PostgresTableWriter(target: PostgresTableTarget(url: config.url, table: config.options.target)),
            options: config.options, context: context)
    }
}
