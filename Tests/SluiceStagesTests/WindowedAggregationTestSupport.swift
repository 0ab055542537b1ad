import SluiceConfig
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

/// Reads an `aggregate` configuration from the YAML text of its options, as the pipeline loader would.
func readAggregateConfig(_ yaml: String) -> (config: WindowedAggregationConfig?, diagnostics: Diagnostics) {
    loadConfig(WindowedAggregation.self, yaml: yaml, stage: "agg")
}

/// Drives an `aggregate` processor built from YAML options: feeds batches, collects what it emits and drops.
final class AggregateHarness {
    let processor: any Processor
    private var output: ProcessorOutput
    /// Everything dropped so far, by reason.
    private(set) var drops: [DropReason: Int] = [:]
    /// Everything sent to the `late` output so far.
    private(set) var routedLate: [Event] = []
    /// The stage counters so far, by name.
    private(set) var counters: [StageCounter: Int] = [:]
    /// The holds the emitted batches carried, as a sink would have them until it commits.
    private var emittedAcknowledgements = AckSet()

    /// A harness for the valid options `yaml`; `clock` is the processing-time clock.
    init(_ yaml: String, clock: @escaping @Sendable () -> Int64 = { 0 }) throws {
        let (config, diagnostics) = readAggregateConfig(yaml)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let valid = try #require(config)
        processor = valid.makeAggregation(clock: clock)
        output = ProcessorOutput(portCount: 1 + valid.namedOutputs.count, log: StageLog(pipeline: "p", stage: "agg"))
    }

    /// Processes one batch of `events` and returns the events emitted by it.
    func process(_ events: [Event]) throws -> [Event] {
        try process(EventBatch(events: events))
    }

    /// Processes `batch` as the engine would, acknowledgements included, and returns the events emitted by it.
    func process(_ batch: EventBatch) throws -> [Event] {
        var batch = batch
        let call = output.beginCall(acknowledging: batch.acknowledgements.take())
        try processor.process(batch, output: &output)
        output.endCall(call)
        return collect()
    }

    /// Releases the holds of everything emitted so far, as a sink does when it has written it.
    func commit() {
        emittedAcknowledgements.take().release()
    }

    /// Lets the processor's clock tick to `now` and returns what it emitted.
    func tick(_ now: Int64) throws -> [Event] {
        try processor.tick(nowMilliseconds: now, output: &output)
        return collect()
    }

    /// Ends the input and returns what the processor flushed.
    func finish() throws -> [Event] {
        try processor.finish(output: &output)
        return collect()
    }

    private func collect() -> [Event] {
        drops.merge(output.takeDrops(), uniquingKeysWith: +)
        counters.merge(output.takeCounters(), uniquingKeysWith: +)
        var batches = output.takeBatches()
        for port in batches.indices {
            for index in batches[port].indices {
                emittedAcknowledgements.merge(batches[port][index].acknowledgements.take())
            }
        }
        if batches.count > 1 { routedLate += batches[1].flatMap(\.events) }
        return batches[0].flatMap(\.events)
    }
}

/// A test event with a time and optional category and value.
func timed(_ ts: Value, _ category: String? = nil, value: Value? = nil) -> Event {
    var event = Event()
    event["ts"] = ts
    if let category { event["category"] = .string(category) }
    if let value { event["value"] = value }
    return event
}
