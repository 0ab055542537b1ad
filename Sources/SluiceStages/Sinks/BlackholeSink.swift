import SluiceCore

/// `type: blackhole` — discards every event; the engine's counters are its only output.
extension BlackholeSink: SinkStage {
    typealias Config = BlackholeSinkConfig
    static let typeName = "blackhole"
    static let summary = "Discards every event; the engine still counts them."
    static let options: [OptionDoc] = []

    static let example = """
        sources:
          clicks:
            type: generate
            count: 1000000
            fields:
              id: sequence()
        sinks:
          nowhere:
            type: blackhole
            inputs: [clicks]
        """
}

/// A `blackhole` sink has no options.
public struct BlackholeSinkConfig: ProcessorConfig {
    public init() {}

    public init?(reading reader: inout OptionsReader) {
        self.init()
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        BlackholeSink()
    }
}

/// The running `blackhole` sink: does nothing with the batches it is given.
///
/// For benchmarks and for trying out the upstream part of a pipeline: it measures the stages before it
/// without the cost of writing anything.
final class BlackholeSink: Processor {
    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {}
}
