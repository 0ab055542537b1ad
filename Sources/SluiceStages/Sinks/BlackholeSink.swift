import SluiceCore

/// `type: blackhole` — discards every event; the engine's counters are its only output.
///
/// For benchmarks and for trying out the upstream part of a pipeline: it measures the stages before it
/// without the cost of writing anything.
public enum BlackholeSink: Stage {
    public static let typeName = "blackhole"
    public static let kind = StageKind.sink
    public static let summary = "Discards every event; the engine still counts them."
    public static let options: [OptionDoc] = []

    public static let example = """
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

    /// A `blackhole` sink has no options.
    public struct Config: StageConfig {
        public init() {}

        public init?(reading reader: inout OptionsReader) {
            self.init()
        }

        public func makeRuntime(context: StageContext) throws -> StageRuntime {
            .processor(Runtime())
        }
    }

    /// Does nothing with the batches it is given.
    final class Runtime: Processor {
        func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {}
    }
}
