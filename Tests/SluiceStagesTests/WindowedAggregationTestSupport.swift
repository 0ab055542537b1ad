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
        try processor.process(EventBatch(events: events), output: &output)
        return collect()
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
        let batches = output.takeBatches()
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
