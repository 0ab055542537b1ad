import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// A stage that fails for good (`StageFailure` from a processor, any error from a source) is logged and
/// recorded once, never called again, and the rest of the pipeline still drains and finishes.
@Suite(.timeLimit(.minutes(1))) struct StageFailureTests {
    let harness: PipelineHarness = {
        var registry = StageRegistry()
        BuiltinStages.register(into: &registry)
        return PipelineHarness(registry: registry)
    }()

    func probe(_ name: String) -> String { "\(name)-\(UInt64.random(in: 0...UInt64.max))" }

    func stage(_ id: String, in snapshots: [StageMetricsSnapshot]) throws -> StageMetricsSnapshot {
        try #require(snapshots.first { $0.stage == id })
    }

    @Test func aFailedSinkIsNeverCalledAgainAndItsSiblingStillGetsEverything() throws {
        let failing = probe("failing"), healthy = probe("healthy")
        let graph = try harness.compile(
            """
            name: fanout
            sources:
              numbers: { type: test_source, count: 2000, batch: 100 }
            sinks:
              broken: { type: test_sink, inputs: [numbers], probe: \(failing), fail_after: 300 }
              fine: { type: test_sink, inputs: [numbers], probe: \(healthy) }
            """
        ).get()
        let engine = Engine(options: EngineOptions(workers: 2))
        defer { engine.shutdown() }
        let pipeline = try engine.start(graph)
        pipeline.wait()
        #expect(TestSink.events(healthy).count == 2000)
        #expect(TestSink.events(failing).count == 300)
        let broken = try stage("broken", in: pipeline.snapshot())
        #expect(broken.drops == [.stageFailed: 1700])
        #expect(broken.errors == 1)
        // A failed stage is not finished either: the engine never calls into it again.
        #expect(!TestSink.isFinished(failing))
        #expect(pipeline.hasFailed)
        #expect(
            engine.failures == [
                FailedStage(pipeline: "fanout", stage: "broken", message: "test sink '\(failing)' gave up after 300 events")
            ])
    }

    /// The sink shares a node with the transform before it (fusion): the failure is per stage, not per node.
    @Test func anEndlessSourceStopsOnceEverySinkItFeedsHasFailed() throws {
        let sink = probe("only")
        let graph = try harness.compile(
            """
            sources:
              numbers: { type: test_source, batch: 50 }
            transforms:
              tag:
                type: enrich
                inputs: [numbers]
                fields:
                  double: seq * 2
            sinks:
              out: { type: test_sink, inputs: [tag], probe: \(sink), fail_after: 500 }
            """
        ).get()
        let engine = Engine(options: EngineOptions(workers: 2))
        defer { engine.shutdown() }
        let pipeline = try engine.start(graph)
        // Nobody calls stop(): the pipeline ends because nothing downstream can take events any more.
        pipeline.wait()
        #expect(engine.failures.map(\.stage) == ["out"])
        let snapshots = pipeline.snapshot()
        let sent = try stage("numbers", in: snapshots).eventsOut
        #expect(try stage("out", in: snapshots).drops[.stageFailed] == sent - 500)
    }

    @Test func aSourceThatThrowsFailsThePipelineAndWhatItSentStillArrives() throws {
        let sink = probe("after-source")
        let graph = try harness.compile(
            """
            name: reader
            sources:
              numbers: { type: test_source, batch: 50, fail_after: 250 }
            aggregations:
              total:
                type: aggregate
                inputs: [numbers]
                metrics:
                  n: count()
            sinks:
              out: { type: test_sink, inputs: [total], probe: \(sink) }
            """
        ).get()
        let engine = Engine(options: EngineOptions(workers: 2))
        defer { engine.shutdown() }
        let pipeline = try engine.start(graph)
        pipeline.wait()
        #expect(TestSink.events(sink).map { $0["n"] } == [.int(250)])
        #expect(try stage("numbers", in: pipeline.snapshot()).errors == 1)
        #expect(
            engine.failures == [
                FailedStage(pipeline: "reader", stage: "numbers", message: "test source failed after sending 250 events")
            ])
    }
}
