import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// Stopping a pipeline with an endless source drains what was sent and flushes every stage; abandoning
/// it (the shutdown limit passed) makes stages that are still retrying give up.
@Suite(.timeLimit(.minutes(1))) struct ShutdownTests {
    @Test func stopDrainsEverySentEventAndFlushesAggregates() throws {
        let probe = "stop-\(UInt64.random(in: 0...UInt64.max))"
        let harness = try PipelineHarness(registry: BuiltinStages.registry)
        let graph = try harness.compile(
            """
            sources:
              numbers: { type: test_source, batch: 10, probe: \(probe)-src }
            aggregations:
              total:
                type: aggregate
                inputs: [numbers]
                metrics:
                  n: count()
            sinks:
              out: { type: test_sink, inputs: [total], probe: \(probe) }
            """
        ).get()
        let engine = Engine(options: EngineOptions(workers: 2))
        defer { engine.shutdown() }
        let pipeline = try engine.start(graph)
        try waitUntil("1000 events sent") { TestSource.sent("\(probe)-src") >= 1000 }
        pipeline.stop()
        try pipeline.waitFinished()
        let rows = TestSink.events(probe)
        #expect(rows.count == 1)
        #expect(rows.first?["n"] == .int(Int64(TestSource.sent("\(probe)-src"))))
    }

    @Test func abandonMakesARetryingSinkFailForGoodSoThePipelineFinishes() throws {
        let probe = "abandon-\(UInt64.random(in: 0...UInt64.max))"
        let harness = try PipelineHarness()
        let graph = try harness.compile(
            """
            name: retrying
            sources:
              numbers: { type: test_source, batch: 10 }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(probe), retry_until_abandoned: true }
            """
        ).get()
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 100))
        defer { engine.shutdown() }
        let pipeline = try engine.start(graph)
        try waitUntil("the sink to block in a call") { TestSink.blockedCalls(probe) == 1 }
        pipeline.stop()
        #expect(pipeline.unfinishedWork().contains { $0.stage == "out" && $0.secondsInCall != nil })
        pipeline.abandon()
        try pipeline.waitFinished()
        #expect(engine.failures.map(\.stage) == ["out"])
        let out = try #require(pipeline.snapshot().first { $0.stage == "out" })
        // Everything the source sent reached the sink and was counted as not delivered.
        #expect(out.drops == [.stageFailed: out.eventsIn])
        #expect(out.eventsIn == pipeline.snapshot().first { $0.stage == "numbers" }?.eventsOut)
        #expect(TestSink.events(probe).isEmpty)
    }
}
