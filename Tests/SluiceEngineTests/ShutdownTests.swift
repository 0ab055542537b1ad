import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Stopping a pipeline with an endless source drains what was sent and flushes every stage.
@Suite struct ShutdownTests {
    @Test func stopDrainsEverySentEventAndFlushesAggregates() throws {
        let probe = "stop-\(UInt64.random(in: 0...UInt64.max))"
        var registry = StageRegistry()
        BuiltinStages.register(into: &registry)
        let harness = PipelineHarness(registry: registry)
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
        while TestSource.sent("\(probe)-src") < 1000 { usleep(1000) }
        pipeline.stop()
        pipeline.wait()
        let rows = TestSink.events(probe)
        #expect(rows.count == 1)
        #expect(rows.first?["n"] == .int(Int64(TestSource.sent("\(probe)-src"))))
    }
}
