import SluiceCore

/// The `stdin` source: reads events from standard input until it ends.
extension StdinSource: SourceStage {
    typealias Config = StdinSourceConfig
    static let typeName = "stdin"
    static let summary = "Reads events from standard input as NDJSON, CSV or plain lines, until end of input."
    static let options: [OptionDoc] = [
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
    static let example = """
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
public struct StdinSourceConfig: SourceConfig {
    public var format: LineFormat
    public var maxLineBytes: ConfigSize

    public init?(reading reader: inout OptionsReader) {
        let format = reader.choice("format", as: LineFormat.self)
        let maxLineBytes = reader.size("max_line_bytes")
        if let maxLineBytes, !(1...(1 << 30)).contains(maxLineBytes.bytes) {
            reader.error(
                .invalidValue, "option 'max_line_bytes' must be between 1 and 1GiB",
                at: reader.location(of: "max_line_bytes"))
        }
        guard !reader.diagnostics.hasErrors else { return nil }
        self.format = format ?? .ndjson
        self.maxLineBytes = maxLineBytes ?? ConfigSize(bytes: 1 << 20)
    }

    public func makeSource(context: StageContext) throws -> any Source {
        StdinSource(descriptor: 0, name: "<stdin>", config: self, log: context.log)
    }
}

/// The running `stdin` source: reads one already-open file descriptor to its end (standard input, or a
/// pipe in tests).
final class StdinSource: Source {
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
