import SluiceCore

/// The `stdin` source: reads events from standard input until it ends.
public enum StdinSource: Stage {
    public typealias Config = StdinSourceConfig
    public static let typeName = "stdin"
    public static let kind = StageKind.source
    public static let summary = "Reads events from standard input as NDJSON, CSV or plain lines, until end of input."
    public static let options: [OptionDoc] = [
        OptionDoc(
            "format", "ndjson | csv | lines", default: "ndjson",
            "ndjson: one JSON object per line. csv: a header row (a column name written twice is read as "
                + "name_2), then one record per line (RFC 4180 quoting; "
                + "unquoted numbers become numbers, but integers beyond 64 bits stay exact strings). lines: each "
                + "line as the field `message`."
        ),
        OptionDoc(
            "max_line_bytes", "size", default: "1MiB",
            "Longest line (or CSV record) accepted; longer ones are skipped and counted as line_too_long."),
    ]
    public static let example = """
        name: stdin_example
        sources:
          input:
            type: stdin
            format: lines
        sinks:
          out:
            type: file
            inputs: [input]
            path: out/lines.ndjson
        """
}

/// The options of a `stdin` source.
public struct StdinSourceConfig: StageConfig {
    public var format: LineFormat
    public var maxLineBytes: ConfigSize

    public init?(reading reader: inout OptionsReader) {
        let format = reader.choice("format", as: LineFormat.self)
        let maxLineBytes = reader.size("max_line_bytes")
        if let maxLineBytes, let node = reader.node["max_line_bytes"], !(1...(1 << 30)).contains(maxLineBytes.bytes) {
            reader.error(.invalidValue, "option 'max_line_bytes' must be between 1 and 1GiB", at: node.location)
        }
        guard !reader.diagnostics.hasErrors else { return nil }
        self.format = format ?? .ndjson
        self.maxLineBytes = maxLineBytes ?? ConfigSize(bytes: 1 << 20)
    }

    public func makeRuntime(context: StageContext) throws -> StageRuntime {
        .source(DescriptorSource(descriptor: 0, name: "<stdin>", config: self, log: context.log))
    }
}

/// Reads one already-open file descriptor to its end: standard input, or a pipe in tests.
final class DescriptorSource: Source {
    private let descriptor: Int32
    private let name: String
    private let config: StdinSourceConfig
    private let log: StageLog

    init(descriptor: Int32, name: String, config: StdinSourceConfig, log: StageLog) {
        self.descriptor = descriptor
        self.name = name
        self.config = config
        self.log = log
    }

    func run(output: any SourceOutput) throws {
        let ingest = LineIngest(format: config.format, maxLineBytes: config.maxLineBytes.bytes, output: output)
        var stream = InputStream(name: name)
        if !ingest.readToEnd(from: descriptor, stream: &stream) {
            log.error("cannot read \(name): \(SystemError.lastMessage)")
        }
        ingest.flush()
    }
}
