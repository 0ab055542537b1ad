import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// A source's acknowledgements travel with its events through the engine and settle once every piece has
/// reached its end: a sink that processed (or committed) it, a drop on purpose, or a loss.
@Suite(.timeLimit(.minutes(1))) struct EngineAcknowledgementTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    private func uniqueProbe(_ name: String) -> String {
        "\(name)-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Starts `yaml` on an engine of two workers; the caller stops it.
    private func start(_ yaml: String) throws -> (Engine, RunningPipeline) {
        let engine = Engine(options: EngineOptions(workers: 2))
        let pipeline = try engine.start(try harness.compile(yaml).get())
        return (engine, pipeline)
    }

    @Test func aBatchIsAcknowledgedOnlyOnceTheSinkHasProcessedIt() throws {
        let probe = uniqueProbe("sink-done")
        TestSink.hold(probe)
        let (engine, pipeline) = try start(
            """
            sources:
              numbers: { type: test_source, count: 300, batch: 100, probe: \(probe), acknowledge: true }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(probe), hold: \(probe) }
            """)
        defer { engine.shutdown() }
        try waitUntil("the sink to block on the first batch") { TestSink.blockedCalls(probe) == 1 }
        #expect(TestSource.outcomes(probe).isEmpty)
        TestSink.release(probe)
        try pipeline.waitFinished()
        #expect(TestSource.outcomes(probe) == [0: .delivered, 1: .delivered, 2: .delivered])
    }

    @Test func aFanOutSettlesOnlyWhenEveryConsumerIsDone() throws {
        let probe = uniqueProbe("fan-out")
        TestSink.hold("\(probe)-slow")
        let (engine, pipeline) = try start(
            """
            sources:
              numbers: { type: test_source, count: 100, batch: 100, probe: \(probe), acknowledge: true }
            sinks:
              fast: { type: test_sink, inputs: [numbers], probe: \(probe)-fast }
              slow: { type: test_sink, inputs: [numbers], probe: \(probe)-slow, hold: \(probe)-slow }
            """)
        defer { engine.shutdown() }
        try waitUntil("the fast sink to have the batch") { TestSink.events("\(probe)-fast").count == 100 }
        try waitUntil("the slow sink to block") { TestSink.blockedCalls("\(probe)-slow") == 1 }
        #expect(TestSource.outcomes(probe).isEmpty)
        TestSink.release("\(probe)-slow")
        try pipeline.waitFinished()
        #expect(TestSource.outcomes(probe) == [0: .delivered])
    }

    @Test func eventsDroppedOnPurposeAreDelivered() throws {
        let probe = uniqueProbe("filtered")
        try harness.run(
            """
            sources:
              numbers: { type: test_source, count: 500, batch: 100, probe: \(probe), acknowledge: true }
            transforms:
              none:
                type: filter
                inputs: [numbers]
                condition: seq < 0
            sinks:
              out: { type: test_sink, inputs: [none], probe: \(probe) }
            """)
        #expect(TestSink.events(probe).isEmpty)
        #expect(TestSource.outcomes(probe) == Dictionary(uniqueKeysWithValues: (0..<5).map { ($0, .delivered) }))
    }

    @Test func aStageErrorFailsExactlyTheBatchItCost() throws {
        let probe = uniqueProbe("stage-error")
        try harness.run(
            """
            sources:
              numbers: { type: test_source, count: 300, batch: 100, probe: \(probe), acknowledge: true }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(probe), error_batches: 1 }
            """)
        let outcomes = TestSource.outcomes(probe)
        #expect(outcomes[1] == .delivered)
        #expect(outcomes[2] == .delivered)
        guard case .failed(let failure)? = outcomes[0] else {
            Issue.record("batch 0 settled as \(String(describing: outcomes[0]))")
            return
        }
        #expect(failure.stage == "out")
        #expect(failure.reason == .stageError)
        #expect(failure.message == "test sink error on batch 1")
    }

    @Test func whatReachesASinkThatFailedForGoodFails() throws {
        let probe = uniqueProbe("failed-sink")
        try harness.run(
            """
            sources:
              numbers: { type: test_source, count: 300, batch: 100, probe: \(probe), acknowledge: true }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(probe), fail_after: 100 }
            """)
        let outcomes = TestSource.outcomes(probe)
        #expect(outcomes[0] == .delivered)
        for batch in [1, 2] {
            guard case .failed(let failure)? = outcomes[batch] else {
                // The source may have been stopped before sending every batch; what it sent has settled.
                #expect(outcomes[batch] == nil && TestSource.sent(probe) <= batch * 100)
                continue
            }
            #expect(failure.reason == .stageFailed)
        }
    }

    @Test func aSinkThatHoldsAcknowledgementsSettlesThemAtItsCommit() throws {
        let probe = uniqueProbe("commit")
        let (engine, pipeline) = try start(
            """
            sources:
              numbers: { type: test_source, batch: 100, probe: \(probe), acknowledge: true }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(probe), commit_every: 1000000 }
            """)
        defer { engine.shutdown() }
        try waitUntil("the sink to receive 1000 events") { TestSink.events(probe).count >= 1_000 }
        #expect(TestSource.outcomes(probe).isEmpty)
        pipeline.stop()
        try pipeline.waitFinished()
        let sentBatches = TestSource.sent(probe) / 100
        #expect(
            TestSource.outcomes(probe) == Dictionary(uniqueKeysWithValues: (0..<sentBatches).map { ($0, .delivered) }))
    }

    @Test(arguments: [1, 2])
    func anAggregateHoldsAcknowledgementsUntilItsWindowsReachTheSink(parallelism: Int) throws {
        let probe = uniqueProbe("aggregate-\(parallelism)")
        let (engine, pipeline) = try start(
            """
            sources:
              numbers: { type: test_source, batch: 100, keys: 5, probe: \(probe), acknowledge: true }
            aggregations:
              per_key:
                type: aggregate
                inputs: [numbers]
                parallelism: \(parallelism)
                group_by: [key]
                metrics: { n: count() }
            sinks:
              out: { type: test_sink, inputs: [per_key], probe: \(probe) }
            """)
        defer { engine.shutdown() }
        try waitUntil("the source to send 2000 events") { TestSource.sent(probe) >= 2_000 }
        // One global window: nothing is emitted, so nothing is settled, before the input ends.
        #expect(TestSource.outcomes(probe).isEmpty)
        pipeline.stop()
        try pipeline.waitFinished()
        let rows = TestSink.events(probe)
        #expect(rows.count == 5)
        let sentBatches = TestSource.sent(probe) / 100
        #expect(
            TestSource.outcomes(probe) == Dictionary(uniqueKeysWithValues: (0..<sentBatches).map { ($0, .delivered) }))
    }
}
