import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// A stage that fails for good (`StageFailure` from a processor, any error from a source) is logged and
/// recorded once, never called again, and the rest of the pipeline still drains and finishes.
@Suite(.timeLimit(.minutes(1))) struct StageFailureTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    func probe(_ name: String) -> String { "\(name)-\(UInt64.random(in: 0...UInt64.max))" }

    func stage(_ id: String, in snapshots: [StageMetricsSnapshot]) throws -> StageMetricsSnapshot {
        try #require(snapshots.first { $0.stage == id })
    }

    /// Runs `yaml` until the pipeline ends by itself (no `stop()`), returning the engine's failures and
    /// the stages' counters.
    func runToEnd(_ yaml: String) throws -> (failures: [String], snapshots: [StageMetricsSnapshot]) {
        let engine = Engine(options: EngineOptions(workers: 2))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(yaml).get())
        try pipeline.waitFinished()
        #expect(pipeline.hasFailed)
        return (engine.failures.map(\.description), pipeline.snapshot())
    }

    @Test func aFailedSinkIsNeverCalledAgainAndItsSiblingStillGetsEverything() throws {
        let failing = probe("failing")
        let healthy = probe("healthy")
        let run = try runToEnd(
            """
            name: fanout
            sources:
              numbers: { type: test_source, count: 2000, batch: 100 }
            sinks:
              broken: { type: test_sink, inputs: [numbers], probe: \(failing), fail_after: 300 }
              fine: { type: test_sink, inputs: [numbers], probe: \(healthy) }
            """)
        #expect(TestSink.events(healthy).count == 2000)
        #expect(TestSink.events(failing).count == 300)
        let broken = try stage("broken", in: run.snapshots)
        #expect(broken.drops == [.stageFailed: 1700])
        #expect(broken.errors == 1)
        // A failed stage is not finished either: the engine never calls into it again.
        #expect(!TestSink.isFinished(failing))
        #expect(run.failures == ["pipeline 'fanout' stage 'broken': test sink '\(failing)' gave up after 300 events"])
    }

    /// The sink shares a node with the transform before it (fusion): the failure is per stage, not per node.
    @Test func anEndlessSourceStopsOnceEverySinkItFeedsHasFailed() throws {
        let sink = probe("only")
        // Nobody calls stop(): the pipeline ends because nothing downstream can take events any more.
        let run = try runToEnd(
            """
            name: endless
            sources:
              numbers: { type: test_source, batch: 50 }
            transforms:
              tag: { type: enrich, inputs: [numbers], fields: { double: seq * 2 } }
            sinks:
              out: { type: test_sink, inputs: [tag], probe: \(sink), fail_after: 500 }
            """)
        #expect(run.failures == ["pipeline 'endless' stage 'out': test sink '\(sink)' gave up after 500 events"])
        let sent = try stage("numbers", in: run.snapshots).eventsOut
        #expect(try stage("out", in: run.snapshots).drops[.stageFailed] == sent - 500)
    }

    @Test func aSourceThatThrowsFailsThePipelineAndWhatItSentStillArrives() throws {
        let sink = probe("after-source")
        let run = try runToEnd(
            """
            name: reader
            sources:
              numbers: { type: test_source, batch: 50, fail_after: 250 }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(sink) }
            """)
        #expect(TestSink.events(sink).map { $0["seq"] } == (0..<250).map { .int(Int64($0)) })
        // Its `end` still went out, so the sink finished normally.
        #expect(TestSink.isFinished(sink))
        #expect(try stage("numbers", in: run.snapshots).errors == 1)
        #expect(run.failures == ["pipeline 'reader' stage 'numbers': test source failed after sending 250 events"])
    }

    /// A reload that changes a failed sink builds it afresh: it receives events again, and its own failure
    /// is recorded too. The healthy sibling keeps the source running meanwhile.
    @Test func aReloadReplacesAFailedSinkWithAFreshOne() throws {
        let first = probe("first")
        let second = probe("second")
        let healthy = probe("sibling")
        func yaml(_ probe: String) -> String {
            """
            name: mended
            sources:
              numbers: { type: test_source, batch: 10 }
            sinks:
              flaky: { type: test_sink, inputs: [numbers], probe: \(probe), fail_after: 100 }
              fine: { type: test_sink, inputs: [numbers], probe: \(healthy) }
            """
        }
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 100, batchSize: 10))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(yaml(first)).get())
        try waitUntil("the first sink to fail") { !engine.failures.isEmpty }
        try pipeline.reload(to: try harness.compile(yaml(second)).get())
        try waitUntil("the replaced sink to fail too") { engine.failures.count >= 2 }
        pipeline.stop()
        try pipeline.waitFinished()
        #expect(TestSink.events(first).count == 100)
        #expect(TestSink.events(second).count == 100)
        #expect(engine.failures.map(\.stage) == ["flaky", "flaky"])
        #expect(pipeline.hasFailed)
    }
}
