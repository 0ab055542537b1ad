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
        let harness = PipelineHarness()
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
}
