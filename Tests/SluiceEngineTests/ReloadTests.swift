import SluiceCore
import SluiceEngine
import SluiceGraph
import SluiceStages
import SluiceTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reloading a running pipeline keeps unchanged stages and their state, and loses or repeats nothing.
@Suite struct ReloadTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    func probe(_ name: String) -> String { "\(name)-\(UInt64.random(in: 0...UInt64.max))" }

    /// Waits until the test source with `probe` has sent `count` events.
    func waitUntilSent(_ probe: String, _ count: Int) throws {
        try waitUntil("\(count) events sent") { TestSource.sent(probe) >= count }
    }

    @Test func changingAMiddleTransformLosesAndRepeatsNothing() throws {
        let sink = probe("middle")
        let source = probe("middle-src")
        func yaml(_ field: String) -> String {
            """
            sources:
              numbers: { type: test_source, batch: 50, probe: \(source) }
            transforms:
              tag:
                type: enrich
                inputs: [numbers]
                fields:
                  \(field): seq * 2
            sinks:
              out: { type: test_sink, inputs: [tag], probe: \(sink) }
            """
        }
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 500, batchSize: 50))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(yaml("a")).get())
        for round in 1...30 {
            try waitUntilSent(source, round * 200)
            let report = try pipeline.reload(to: try harness.compile(yaml(round % 2 == 0 ? "a" : "b")).get())
            #expect(report.diff.changed.map(\.id) == ["tag"])
            #expect(report.diff.kept.sorted() == ["numbers", "out"])
        }
        pipeline.stop()
        try pipeline.waitFinished()
        let seqs = TestSink.events(sink).map { $0["seq"]! }
        #expect(seqs == (0..<seqs.count).map { Value.int(Int64($0)) })
        #expect(seqs.count == TestSource.sent(source))
        // Events processed after a reload carry the field of the transform in place then.
        #expect(TestSink.events(sink).contains { $0["b"] != nil })
    }

    /// The test source with `source` counted by one aggregate over `window` into the test sink `sink`.
    func counting(source: String, sink: String, window: String = "{ type: global }") -> String {
        """
        sources:
          numbers: { type: test_source, batch: 100, probe: \(source) }
        aggregations:
          total:
            type: aggregate
            inputs: [numbers]
            window: \(window)
            metrics:
              n: count()
        sinks:
          out: { type: test_sink, inputs: [total], probe: \(sink) }
        """
    }

    /// Starts `first`, reloads `second` once `source` has sent 2,000 events, stops once it has sent 4,000,
    /// and returns what the reload did.
    func reloadWhileCounting(_ first: String, _ second: String, source: String) throws -> ReloadReport {
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 200, batchSize: 100))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(first).get())
        try waitUntilSent(source, 2000)
        let report = try pipeline.reload(to: try harness.compile(second).get())
        try waitUntilSent(source, 4000)
        pipeline.stop()
        try pipeline.waitFinished()
        return report
    }

    @Test func changingOnlyTheSinkKeepsTheAggregatesOpenWindow() throws {
        let first = probe("agg-first")
        let second = probe("agg-second")
        let source = probe("agg-src")
        let report = try reloadWhileCounting(
            counting(source: source, sink: first), counting(source: source, sink: second), source: source)
        #expect(report.diff.changed.map(\.id) == ["out"])
        // The global window was open across the reload: its one row, in the new sink, counts every event.
        #expect(TestSink.events(first).isEmpty)
        #expect(TestSink.events(second).map { $0["n"] } == [.int(Int64(TestSource.sent(source)))])
    }

    /// `size: 1000s` and `size: 1000000ms` read to the same configuration: the aggregate is kept, so its
    /// open window is emitted once, at the end, counting every event — not early and then again.
    @Test func aCosmeticEditKeepsTheAggregatesOpenWindow() throws {
        let sink = probe("cosmetic")
        let source = probe("cosmetic-src")
        let report = try reloadWhileCounting(
            counting(source: source, sink: sink, window: "{ type: tumbling, size: 1000s, time_field: seq }"),
            counting(source: source, sink: sink, window: "{ type: tumbling, size: 1000000ms, time_field: seq }"),
            source: source)
        #expect(report.diff.isEmpty)
        #expect(report.diff.kept == ["numbers", "total", "out"])
        // Every seq is below 1,000,000 ms: one window, emitted once when the pipeline stops.
        #expect(TestSink.events(sink).map { $0["n"] } == [.int(Int64(TestSource.sent(source)))])
    }

    /// Changing a transform's parallelism changes the plan's nodes (the transform leaves the sink's node
    /// for copies of its own); the engine rebuilds exactly those, and every event still arrives once.
    @Test func changingParallelismRewiresTheNodesThePlanSays() throws {
        let sink = probe("copies")
        let source = probe("copies-src")
        func yaml(_ copies: Int) -> String {
            """
            sources:
              numbers: { type: test_source, batch: 50, probe: \(source) }
            transforms:
              tag: { type: enrich, inputs: [numbers], fields: { t: "1" }, parallelism: \(copies) }
            sinks:
              out: { type: test_sink, inputs: [tag], probe: \(sink) }
            """
        }
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 500, batchSize: 50))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(yaml(1)).get())
        #expect(pipeline.plan.nodes.map(\.name) == ["tag+out"])
        try waitUntilSent(source, 1000)
        let report = try pipeline.reload(to: try harness.compile(yaml(3)).get())
        #expect(report.diff.changed.map(\.id) == ["tag"])
        #expect(report.diff.removedNodes == ["tag+out"])
        #expect(report.diff.addedNodes == ["tag", "out"])
        #expect(pipeline.plan.nodes.map(\.copies) == [3, 1])
        try waitUntilSent(source, 3000)
        pipeline.stop()
        try pipeline.waitFinished()
        // Copies take batches in turn, so order may change after the reload; nothing is lost or repeated.
        let seqs = TestSink.events(sink).compactMap { event -> Int64? in
            if case .int(let seq)? = event["seq"] { return seq }
            return nil
        }
        #expect(seqs.sorted() == (0..<TestSource.sent(source)).map(Int64.init))
    }

    @Test func removingAStageDeliversWhatWasQueuedForIt() throws {
        let sink = probe("removed")
        let source = probe("removed-src")
        let before = """
            sources:
              numbers: { type: test_source, batch: 20, probe: \(source) }
            transforms:
              slow:
                type: remove
                inputs: [numbers]
                fields: [value]
            sinks:
              out: { type: test_sink, inputs: [slow], probe: \(sink), delay_ms: 1 }
            """
        let after = """
            sources:
              numbers: { type: test_source, batch: 20, probe: \(source) }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(sink), delay_ms: 1 }
            """
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 400, batchSize: 20))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(before).get())
        try waitUntilSent(source, 1000)
        let report = try pipeline.reload(to: try harness.compile(after).get())
        #expect(report.diff.removed == ["slow"])
        #expect(report.diff.changed.map(\.id) == ["out"])
        pipeline.stop()
        try pipeline.waitFinished()
        let events = TestSink.events(sink)
        #expect(events.map { $0["seq"]! } == (0..<events.count).map { Value.int(Int64($0)) })
        #expect(events.count == TestSource.sent(source))
        // Events that went through the removed stage lost `value`; the ones after the reload kept it.
        #expect(events.first?["value"] == nil)
        #expect(events.last?["value"] != nil)
    }

    @Test func aStageThatCannotStartLeavesTheOldGraphRunning() throws {
        let sink = probe("rollback")
        let source = probe("rollback-src")
        let good = """
            sources:
              numbers: { type: test_source, batch: 50, probe: \(source) }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(sink) }
            """
        let bad = """
            sources:
              numbers: { type: test_source, batch: 50, probe: \(source) }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(sink) }
              file: { type: file, inputs: [numbers], path: /dev/null/cannot/exist.ndjson }
            """
        let engine = Engine(options: EngineOptions(workers: 2))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(good).get())
        try waitUntilSent(source, 500)
        #expect(throws: EngineError.self) { try pipeline.reload(to: try harness.compile(bad).get()) }
        #expect(pipeline.graph.nodes.map(\.id) == ["numbers", "out"])
        let seen = TestSink.events(sink).count
        try waitUntil("500 more events delivered") { TestSink.events(sink).count > seen + 500 }
        pipeline.stop()
        try pipeline.waitFinished()
        #expect(TestSink.events(sink).count == TestSource.sent(source))
    }

    @Test func aFinishedStageFedAgainIsBuiltAgainNotReopened() throws {
        let sinkA = probe("fin-a")
        let sourceB = probe("fin-b")
        func yaml(_ count: Int) -> String {
            """
            sources:
              a: { type: test_source, count: \(count), batch: 10 }
              b: { type: test_source, batch: 10, probe: \(sourceB) }
            sinks:
              ka: { type: test_sink, inputs: [a], probe: \(sinkA) }
              kb: { type: test_sink, inputs: [b], probe: \(sourceB)-sink }
            """
        }
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 100, batchSize: 10))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(yaml(100)).get())
        try waitUntil("sink ka to finish") { TestSink.isFinished(sinkA) }
        #expect(TestSink.events(sinkA).count == 100)
        // `a` changes (and restarts); `ka`, unchanged but finished, must not process after its finish.
        let report = try pipeline.reload(to: try harness.compile(yaml(200)).get())
        #expect(report.diff.changed.map(\.id) == ["a"])
        try waitUntil("the rebuilt ka to finish too") { TestSink.finishCount(sinkA) == 2 }
        pipeline.stop()
        try pipeline.waitFinished()
        // The rebuilt `ka` collected the restarted source's 200 events under the same probe.
        #expect(TestSink.events(sinkA).count == 300)
        #expect(TestSink.finishCount(sinkA) == 2)
        #expect(TestSink.batchesAfterFinish(sinkA) == 0)
    }

    @Test func aFailedReloadLeavesTheRunningFileSinksFileIntact() throws {
        let source = probe("trunc")
        let path = "/tmp/sluice-reload-\(UInt64.random(in: 0...UInt64.max)).ndjson"
        defer { unlink(path) }
        let good = """
            sources:
              numbers: { type: test_source, batch: 50, probe: \(source) }
            sinks:
              out: { type: file, inputs: [numbers], path: \(path) }
            """
        // `out` changes (a new input), and a later stage cannot be built: the reload must change nothing.
        let bad = """
            sources:
              numbers: { type: test_source, batch: 50, probe: \(source) }
              more: { type: test_source, count: 0 }
            sinks:
              out: { type: file, inputs: [numbers, more], path: \(path) }
              zbad: { type: file, inputs: [numbers], path: /dev/null/cannot/exist.ndjson }
            """
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 500, batchSize: 50))
        defer { engine.shutdown() }
        let pipeline = try engine.start(try harness.compile(good).get())
        try waitUntilSent(source, 2000)
        #expect(throws: EngineError.self) { try pipeline.reload(to: try harness.compile(bad).get()) }
        try waitUntilSent(source, 4000)
        pipeline.stop()
        try pipeline.waitFinished()
        let text = try #require(
            String(validatingUTF8: TextFile.readBytes(path).get().map { CChar(bitPattern: $0) } + [0]))
        let lines = text.split(separator: "\n")
        #expect(!text.contains("\0"))
        #expect(lines.count == TestSource.sent(source))
        #expect(lines.first == "{\"seq\":0,\"key\":\"k0\",\"value\":0}")
    }

    /// A reload waits for the pipeline to drain on a condition, with a limit: a stage stuck in a call
    /// makes it give up with nothing changed, instead of hanging the reload (and SIGHUP) for ever.
    @Test(.timeLimit(.minutes(1))) func aReloadThatCannotDrainGivesUpAndChangesNothing() throws {
        let sink = probe("stuck")
        let source = probe("stuck-src")
        let gate = probe("gate")
        func yaml(_ field: String) -> String {
            """
            sources:
              numbers: { type: test_source, batch: 10, probe: \(source) }
            transforms:
              tag: { type: enrich, inputs: [numbers], fields: { \(field): seq } }
            sinks:
              out: { type: test_sink, inputs: [tag], probe: \(sink), hold: \(gate) }
            """
        }
        let engine = Engine(
            options: EngineOptions(
                workers: 2, queueCapacity: 100, batchSize: 10, reloadDrainLimit: ConfigDuration(milliseconds: 200)))
        defer { engine.shutdown() }
        let running = try harness.compile(yaml("a")).get()
        let pipeline = try engine.start(running)
        TestSink.hold(gate)
        try waitUntil("the sink to block in a call") { TestSink.blockedCalls(sink) == 1 }
        let changed = try harness.compile(yaml("b")).get()
        let refused = #expect(throws: EngineError.self) { try pipeline.reload(to: changed) }
        guard case .notQuiet(_, _, let busy)? = refused else {
            Issue.record("expected notQuiet, got \(String(describing: refused))")
            return
        }
        #expect(busy.contains { $0.stage == "out" && $0.secondsInCall != nil })
        #expect(pipeline.graph.digest == running.digest)
        TestSink.release(gate)
        let report = try pipeline.reload(to: changed)
        #expect(report.diff.changed.map(\.id) == ["tag"])
        try waitUntilSent(source, 1000)
        pipeline.stop()
        try pipeline.waitFinished()
        let seqs = TestSink.events(sink).map { $0["seq"]! }
        #expect(seqs == (0..<TestSource.sent(source)).map { Value.int(Int64($0)) })
    }
}
