import Dispatch
import Logging
import SluiceCore
import SluiceEngine
import SluiceGraph
import SluiceService
import SluiceTesting
import Synchronization
import Testing

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
        // The new file's compile holds its start open (behind `gate`) while the stop arrives.
        let compiling = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        let supervisor = PipelineSupervisor(
            engine: engine,
            compile: { _ in
                compiling.signal()
                _ = gate.wait(timeout: .now() + 60)
                return .success(endless)
            }, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try supervisor.start([(file: "old.yaml", graph: running)])
        SystemThread.start { supervisor.reload("new.yaml") }
        #expect(compiling.wait(timeout: .now() + 60) == .success, "the new file was never compiled")
        supervisor.stopAll()
        gate.signal()
        let finished = supervisor.waitAll(seconds: 60)
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
            logger: CapturingLogHandler.logger { line in logged.withLock { $0.append(line) } })
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
        #expect(supervisor.waitAll(seconds: 60))
    }

    /// A supervisor whose every file compiles to a pipeline named `clicks`, started with that pipeline
    /// from `a.yaml`, and the lines it logs.
    final class ClicksFiles: Sendable {
        let engine = Engine(options: EngineOptions(workers: 2, queueCapacity: 100, batchSize: 10))
        let supervisor: PipelineSupervisor
        private let lines: Lines

        /// The lines a supervisor logs, collected from any thread.
        final class Lines: Sendable {
            private let all = Mutex<[String]>([])
            func add(_ line: String) { all.withLock { $0.append(line) } }
            var logged: [String] { all.withLock { $0 } }
        }

        init() throws {
            let harness = try PipelineHarness()
            let text = """
                name: clicks
                sources:
                  numbers: { type: test_source, batch: 10 }
                sinks:
                  out: { type: test_sink, inputs: [numbers], probe: clicks-\(UInt64.random(in: 0...UInt64.max)) }
                """
            let lines = Lines()
            self.lines = lines
            supervisor = PipelineSupervisor(
                engine: engine, compile: { file in harness.compile(text, file: file) },
                logger: CapturingLogHandler.logger { lines.add($0) })
            try supervisor.start([(file: "a.yaml", graph: try harness.compile(text, file: "a.yaml").get())])
        }

        var logged: [String] { lines.logged }

        /// Stops every pipeline and the engine.
        func stop() {
            supervisor.stopAll()
            #expect(supervisor.waitAll(seconds: 60))
            engine.shutdown()
        }
    }

    /// A second file naming a pipeline another file runs (a copy dropped into the watched folder) is
    /// refused at its `name:` and counted; it starts once the first file is gone and the name is free.
    @Test func aSecondFileWithARunningPipelinesNameIsRefusedUntilTheNameIsFree() throws {
        let files = try ClicksFiles()
        defer { files.stop() }
        files.supervisor.apply(FileWatcher.Changes(added: ["b.yaml"]), removesStop: true)
        #expect(files.engine.running.count == 1)
        let refusal = files.logged.last ?? ""
        #expect(refusal.hasPrefix("'b.yaml' is refused; not started:\n"), "\(refusal)")
        #expect(
            refusal.hasSuffix(
                "b.yaml:1:7: error: pipeline name 'clicks' is already used by a.yaml; give this file its own 'name:' "
                    + "[duplicate-pipeline]"), "\(refusal)")
        let metrics = files.supervisor.prometheusText()
        #expect(metrics.contains("reloads_total{pipeline=\"clicks\",outcome=\"duplicate\"} 1"))

        files.supervisor.apply(FileWatcher.Changes(removed: ["a.yaml"]), removesStop: true)
        #expect(files.logged.contains { $0.hasPrefix("started pipeline 'clicks' from 'b.yaml'") })
        // The first pipeline drains and stops; the second runs under the name.
        #expect(files.engine.running.map(\.graph.file) == ["a.yaml", "b.yaml"])
    }

    /// A file renamed in a watched folder arrives as one removal and one addition of the same pipeline:
    /// the removal goes first, so the new name does not find the pipeline's name taken.
    @Test func aRenamedFileKeepsItsPipelineRunning() throws {
        let files = try ClicksFiles()
        defer { files.stop() }
        files.supervisor.apply(FileWatcher.Changes(added: ["b.yaml"], removed: ["a.yaml"]), removesStop: true)
        #expect(files.engine.running.map(\.graph.file) == ["a.yaml", "b.yaml"])
        #expect(!files.logged.contains { $0.contains("[duplicate-pipeline]") })
    }
}
