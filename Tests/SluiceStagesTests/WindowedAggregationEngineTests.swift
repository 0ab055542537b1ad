import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// The aggregate on a real engine, at 1 and N workers and parallel copies, against the naive reference.
///
/// Copies of a partitioned aggregate keep their own watermarks, so the data here has disorder within the
/// allowed lateness but no late events: then every layout must give exactly the reference's rows.
@Suite struct WindowedAggregationEngineTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    static let layouts = [(1, 1), (4, 1), (2, 3), (4, 3)]

    @Test(
        arguments: [
            "type: sliding, size: 30s, slide: 10s", "type: session, gap: 5s", "type: tumbling, size: 10s",
        ], layouts)
    func everyLayoutMatchesTheReference(window: String, layout: (workers: Int, parallelism: Int)) throws {
        var largest = Int64.min
        let events = WindowedAggregationReferenceTests.generate(count: 4_000, seed: 11).filter { event in
            defer { largest = max(largest, event.time) }
            return largest == .min || event.time > largest - 4_000
        }
        let folder = try TemporaryDirectory()
        let input = folder.file("events.ndjson")
        try folder.write(
            events.map { Value.object(WindowedAggregationReferenceTests.event($0)).description + "\n" }.joined(),
            to: input)
        let probe = "aggregate-engine-\(UInt64.random(in: 0...UInt64.max))"
        _ = try harness.run(
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
            \(WindowedAggregationReferenceTests.metrics.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            sinks:
              out: { type: test_sink, inputs: [agg], probe: \(probe) }
            """, options: EngineOptions(workers: layout.workers, batchSize: 100))
        let scenario = WindowedAggregationReferenceTests.Scenario(window: window, lateness: 5_000, onLate: "drop")
        let (rows, late) = AggregateReference(windows: scenario.reference, lateness: 5_000).run(events)
        #expect(late.isEmpty)
        WindowedAggregationReferenceTests.check(TestSink.events(probe), against: rows, events: events)
    }
}
