import SluiceCore

/// What running batches through a processor produced.
struct ProcessorRun {
    /// Emitted batches, by port (0 is the main output).
    var batches: [[EventBatch]]
    var drops: [DropReason: Int]
    var counters: [StageCounter: Int]
    var bytesWritten: Int

    /// The events emitted on `port`, across batches.
    func events(port: Int = 0) -> [Event] {
        batches[port].flatMap(\.events)
    }
}

/// Why a harness could not be built.
enum HarnessError: Error {
    case notAProcessor
}

/// Drives a `Processor` as the engine would, without the engine: `process` per batch, then `finish`.
final class ProcessorHarness {
    let processor: any Processor
    let log: StageLog
    private let portCount: Int

    /// Builds the runtime of `config` for a stage with id `stage`; `replacing` is the configuration of the
    /// stage it takes the place of in a reload, and `shutdown` tells it when the shutdown limit passed.
    init<C: StageConfig>(
        _ config: C, stage: String = "id", replacing: (any StageConfig)? = nil,
        shutdown: ShutdownSignal = ShutdownSignal()
    ) throws {
        let log = StageLog(pipeline: "test", stage: stage)
        let context = StageContext(pipeline: "test", stage: stage, log: log, shutdown: shutdown, replacing: replacing)
        guard case .processor(let processor) = try config.makeRuntime(context: context) else {
            throw HarnessError.notAProcessor
        }
        self.processor = processor
        self.log = log
        portCount = 1 + config.namedOutputs.count
    }

    /// Wraps a runtime built by hand (such as a sink writing to a test's own descriptor).
    init(processor: any Processor, log: StageLog, portCount: Int = 1) {
        self.processor = processor
        self.log = log
        self.portCount = portCount
    }

    /// Processes `batches` in order, then finishes the processor unless `finishing` is false.
    @discardableResult
    func run(_ batches: [EventBatch], finishing: Bool = true) throws -> ProcessorRun {
        var output = ProcessorOutput(portCount: portCount, log: log)
        for batch in batches { try processor.process(batch, output: &output) }
        if finishing { try processor.finish(output: &output) }
        return ProcessorRun(
            batches: output.takeBatches(), drops: output.takeDrops(), counters: output.takeCounters(),
            bytesWritten: output.bytesWritten)
    }

    /// Processes one batch of `events`, then finishes.
    @discardableResult
    func run(_ events: [Event]) throws -> ProcessorRun {
        try run([EventBatch(events: events)])
    }
}
