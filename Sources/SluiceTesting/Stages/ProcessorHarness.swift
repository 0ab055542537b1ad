import SluiceCore

/// What running batches through a processor produced.
public struct ProcessorRun: Sendable {
    /// Emitted batches, by port (0 is the main output).
    public var batches: [[EventBatch]]
    /// Events dropped, by reason.
    public var drops: [DropReason: Int]
    /// The stage's own counters, by name.
    public var counters: [StageCounter: Int]
    /// Bytes the stage reported writing (sinks).
    public var bytesWritten: Int

    /// The events emitted on `port`, across batches.
    public func events(port: Int = 0) -> [Event] {
        batches[port].flatMap(\.events)
    }
}

/// Drives a `Processor` as the engine would, without the engine: `process` per batch, then `finish`.
/// Acknowledgements travel as in the engine: what a call emits carries its batch's, unless the stage
/// holds them.
///
/// ```swift
/// let run = try ProcessorHarness(config).run([Event(["value": 1])])
/// #expect(run.drops == [.filtered: 1])
/// ```
public final class ProcessorHarness {
    /// The processor under test.
    public let processor: any Processor
    /// The log it reports to (stage `stage` of pipeline `test`).
    public let log: StageLog
    private let portCount: Int

    /// Builds the runtime of `config` for a stage with id `stage`; `replacing` is the configuration of the
    /// stage it takes the place of in a reload, and `shutdown` tells it when the shutdown limit passed.
    public init<C: ProcessorConfig>(
        _ config: C, stage: String = "id", replacing: (any StageConfig)? = nil,
        shutdown: ShutdownSignal = ShutdownSignal()
    ) throws {
        let log = StageLog(pipeline: "test", stage: stage)
        let context = StageContext(pipeline: "test", stage: stage, log: log, shutdown: shutdown, replacing: replacing)
        processor = try config.makeProcessor(context: context)
        self.log = log
        portCount = 1 + config.namedOutputs.count
    }

    /// Wraps a runtime built by hand (such as a sink writing to a test's own descriptor).
    public init(processor: any Processor, log: StageLog, portCount: Int = 1) {
        self.processor = processor
        self.log = log
        self.portCount = portCount
    }

    /// Processes `batches` in order, then finishes the processor unless `finishing` is false.
    @discardableResult
    public func run(_ batches: [EventBatch], finishing: Bool = true) throws -> ProcessorRun {
        var output = ProcessorOutput(portCount: portCount, log: log)
        for var batch in batches {
            // As the engine does: what the call emits carries the batch's acknowledgements.
            let call = output.beginCall(acknowledging: batch.acknowledgements.take())
            do {
                try processor.process(batch, output: &output)
            } catch {
                let reason: DropReason = error is StageFailure ? .stageFailed : .stageError
                output.endCall(call, failure: AckFailure(stage: log.stage, reason: reason, message: "\(error)"))
                throw error
            }
            output.endCall(call)
        }
        if finishing { try processor.finish(output: &output) }
        return ProcessorRun(
            batches: output.takeBatches(), drops: output.takeDrops(), counters: output.takeCounters(),
            bytesWritten: output.bytesWritten)
    }

    /// Processes one batch of `events`, then finishes.
    @discardableResult
    public func run(_ events: [Event]) throws -> ProcessorRun {
        try run([EventBatch(events: events)])
    }
}
