import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// The aggregate on a real engine, at 1 and N workers and parallel copies, against the naive reference.
///
/// Copies of a partitioned aggregate keep their own watermarks, so the data here has disorder within the
/// allowed lateness but no late events: then every layout must give exactly the reference's rows.
@Suite struct AggregateEngineTests {
    static let harness: PipelineHarness = {
        var registry = StageRegistry()
        BuiltinStages.register(into: &registry)
        return PipelineHarness(registry: registry)
    }()

    static let layouts = [(1, 1), (4, 1), (2, 3), (4, 3)]

    @Test(arguments: [
        "type: sliding, size: 30s, slide: 10s", "type: session, gap: 5s", "type: tumbling, size: 10s",
    ], layouts)
    func everyLayoutMatchesTheReference(window: String, layout: (workers: Int, parallelism: Int)) throws {
        var largest = Int64.min
        let events = AggregateReferenceTests.generate(count: 4_000, seed: 11).filter { event in
            defer { largest = max(largest, event.time) }
            return largest == .min || event.time > largest - 4_000
        }
        let folder = try TemporaryDirectory()
        let input = folder.file("events.ndjson")
        try folder.write(
            events.map { Value.object(AggregateReferenceTests.event($0)).description + "\n" }.joined(), to: input)
        let probe = "aggregate-engine-\(UInt64.random(in: 0...UInt64.max))"
        try Self.harness.run(
            """
            sources:
              events: { type: file, path: "\(input)" }
            aggregations:
              agg:
                type: aggregate
                inputs: [events]
                parallelism: \(layout.parallelism)
                group_by: [key]
                window: { \(window), time_field: ts, allowed_lateness: 5s }
            \(AggregateReferenceTests.metrics.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            sinks:
              out: { type: test_sink, inputs: [agg], probe: \(probe) }
            """, options: EngineOptions(workers: layout.workers, batchSize: 100))
        let scenario = AggregateReferenceTests.Scenario(window: window, lateness: 5_000, onLate: "drop")
        let (rows, late) = AggregateReference(windows: scenario.reference, lateness: 5_000).run(events)
        #expect(late.isEmpty)
        let emitted = TestSink.events(probe)
        #expect(emitted.count == rows.count)
        var actual: [String: Event] = [:]
        for event in emitted { actual["\(event["window_start"]!)|\(event["key"]!.stringValue!)"] = event }
        for row in rows {
            guard let event = actual["\(row.start)|\(row.key)"] else {
                Issue.record("missing row \(row.key) [\(row.start), \(row.end))")
                continue
            }
            AggregateReferenceTests.check(event, against: row, events: events)
        }
    }
}
