import SluiceCore
import SluiceEngine
import SluiceGraph
import SluiceService
import SluiceTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The supervisor under concurrent changes and stops.
@Suite struct PipelineSupervisorTests {
    @Test func aStopWhileANewFileStartsStopsThatPipelineToo() throws {
        let harness = try PipelineHarness()
        let probe = UInt64.random(in: 0...UInt64.max)
        let endless = try harness.compile(
            """
            sources:
              numbers: { type: test_source, batch: 10 }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: new-\(probe) }
            """, file: "new.yaml"
        ).get()
        let running = try harness.compile(
            """
            sources:
              numbers: { type: test_source, batch: 10 }
            sinks:
              out: { type: test_sink, inputs: [numbers], delay_ms: 5, probe: old-\(probe) }
            """, file: "old.yaml"
        ).get()
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 100, batchSize: 10))
        defer { engine.shutdown() }
        // A slow compile holds the new file's start open while the stop arrives.
        let supervisor = PipelineSupervisor(
            engine: engine, compile: { _ in usleep(200_000); return .success(endless) }, log: { _ in })
        try supervisor.start([(file: "old.yaml", graph: running)])
        SystemThread.start { supervisor.reload("new.yaml") }
        usleep(100_000)
        supervisor.stopAll()
        let done = Atomic<Bool>(false)
        SystemThread.start {
            supervisor.waitAll()
            done.store(true, ordering: .releasing)
        }
        for _ in 0..<3_000 where !done.load(ordering: .acquiring) { usleep(10_000) }
        let finished = done.load(ordering: .acquiring)
        #expect(finished, "waitAll still blocked after stopAll: the new pipeline kept running")
        for pipeline in engine.running { pipeline.stop() }
    }

    /// A version with no sink (a file caught half written) is invalid, and one that would leave a stage
    /// without a consumer is refused like an invalid file: logged with its position, counted, and the
    /// running version goes on.
    @Test func aHalfWrittenLookingVersionIsRefusedAndTheRunningOneContinues() throws {
        let harness = try PipelineHarness()
        let probe = "half-\(UInt64.random(in: 0...UInt64.max))"
        let head = "name: p\nsources:\n  numbers: { type: test_source, batch: 10 }\nsinks:\n"
        let out = "  out: { type: test_sink, inputs: [numbers], probe: \(probe) }\n"
        let side = "  side: { type: test_sink, inputs: [numbers], probe: \(probe)-side }\n"
        let full = head + out + side
        let version = Mutex(full)
        let logged = Mutex<[String]>([])
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 100, batchSize: 10))
        defer { engine.shutdown() }
        let supervisor = PipelineSupervisor(
            engine: engine, compile: { file in harness.compile(version.withLock { $0 }, file: file) },
            log: { line in logged.withLock { $0.append(line) } })
        try supervisor.start([(file: "p.yaml", graph: try harness.compile(full, file: "p.yaml").get())])
        let running = try #require(engine.running.first)
        let digest = running.graph.digest

        version.withLock { $0 = String(head.dropLast("sinks:\n".count)) }
        supervisor.reload("p.yaml")
        #expect(running.graph.digest == digest)
        #expect(logged.withLock { $0 }.last?.contains("p.yaml:1:1: error: the pipeline has no sinks") == true)

        let unread = "  extra: { type: test_source, batch: 10 }\n"
        version.withLock { $0 = head.replacing("sinks:\n", with: unread + "sinks:\n") + out + side }
        supervisor.reload("p.yaml")
        #expect(running.graph.digest == digest)
        let refusal = logged.withLock { $0 }.last ?? ""
        #expect(refusal.contains("p.yaml:4:3: error: stage 'extra': nothing reads this source's output"))

        // Removing one sink of two is an ordinary reload: the other still consumes the source.
        version.withLock { $0 = head + out }
        supervisor.reload("p.yaml")
        #expect(running.graph.nodes.map(\.id) == ["numbers", "out"])
        #expect(supervisor.prometheusText().contains("reloads_total{pipeline=\"p\",outcome=\"invalid\"} 2"))
        #expect(supervisor.prometheusText().contains("reloads_total{pipeline=\"p\",outcome=\"applied\"} 1"))
        supervisor.stopAll()
        supervisor.waitAll()
    }
}
