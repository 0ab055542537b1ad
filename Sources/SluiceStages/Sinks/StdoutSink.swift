import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// `type: stdout` — writes events to standard output, one write per batch.
extension StdoutSink: SinkStage {
    typealias Config = StdoutSinkConfig
    static let typeName = "stdout"
    static let summary = "Writes events to standard output as NDJSON, pretty-printed JSON or plain text."

    static let options = [
        OptionDoc(
            "format", "ndjson | json | text", default: "ndjson",
            "ndjson: one compact JSON object per line. json: one pretty-printed JSON object per event "
                + "(two-space indent). text: the `message` field as it is, one per line; an event without "
                + "`message` is written as compact JSON.")
    ]

    static let example = """
        sources:
          clicks:
            type: generate
            count: 10
            fields:
              id: sequence()
              message: choice(["hello", "world"])
        sinks:
          console:
            type: stdout
            inputs: [clicks]
            format: text
        """
}

/// The options of a `stdout` sink.
public struct StdoutSinkConfig: ProcessorConfig {
    /// How events are written.
    public enum Format: String, Sendable, CaseIterable {
        case ndjson
        case json
        case text
    }

    public var format: Format

    public init(format: Format = .ndjson) {
        self.format = format
    }

    public init?(reading reader: inout OptionsReader) {
        self.init()
        if let format = reader.choice("format", as: Format.self) { self.format = format }
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        // A closed reader must surface as EPIPE from write(2), not kill the runner with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        return StdoutSink(
            config: self, fd: STDOUT_FILENO, path: "<stdout>", log: context.log, shutdown: context.shutdown)
    }
}

/// The running `stdout` sink: writes events to standard output, one write per batch.
///
/// If the reader of standard output goes away (`runner apply p.yaml | head`), the sink fails for good
/// (`StageFailure`): the engine logs it once, counts what still reaches it as dropped (`stage_failed`),
/// stops the sources that feed nothing else, and `runner apply` exits 3 once the rest has drained.
final class StdoutSink: FormattedSink {
    /// A sink writing to `fd` (standard output in production, a pipe or temp file in tests).
    init(config: StdoutSinkConfig, fd: Int32, path: String, log: StageLog, shutdown: ShutdownSignal) {
        let descriptor = OutputDescriptor(
            fd: fd, path: path, owned: false, stopsOnBrokenPipe: true, log: log, shutdown: shutdown)
        switch config.format {
        case .ndjson: super.init(EncodingSink(encoder: NDJSONEncoder(), descriptor: descriptor))
        case .json: super.init(EncodingSink(encoder: PrettyJSONEncoder(), descriptor: descriptor))
        case .text: super.init(EncodingSink(encoder: TextEncoder(), descriptor: descriptor))
        }
    }
}
