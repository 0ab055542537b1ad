import Foundation
import SluiceAPI
import SluiceTesting
import Testing

/// The runner's API over real HTTP on 127.0.0.1, against the real binary.
@Suite struct APIEndpointTests {
    @Test func everyEndpointAnswersWhileAPipelineRuns() async throws {
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "live").path])
        defer { runner.process.send(SIGKILL) }

        let health = try await runner.get("/health")
        #expect(health.status == 200 && health.text == "ok\n")
        #expect(try await runner.waitUntil { try await runner.get("/ready").status == 200 })

        // Rates are sampled once a second: wait until they show the events flowing.
        #expect(
            try await runner.waitUntil {
                try await runner.pipelines().first?.stages.first { $0.id == "keep" }?.eventsInPerSecond ?? 0 > 0
            })
        let pipelines = try await runner.pipelines()
        #expect(pipelines.map(\.name) == ["live"])
        let stages = try #require(pipelines.first).stages
        #expect(stages.map(\.id) == ["numbers", "keep", "out"])
        #expect(stages.map(\.inputs) == [[], ["numbers"], ["keep"]])
        #expect(stages[1].queueCapacity > 0 && stages[1].queueFill != nil)
        #expect(stages[0].queueFill == nil)

        let one = try await runner.get("/api/pipelines/live")
        #expect(one.status == 200)
        let decoded = try APIJSON.decoder().decode(PipelineStatus.self, from: Data(one.body))
        #expect(decoded.name == "live" && decoded.state == "running")
        #expect(try await runner.get("/api/pipelines/nope").status == 404)

        let metrics = try await runner.get("/metrics")
        #expect(metrics.status == 200)
        for family in [
            "sluice_stage_events_in_total{pipeline=\"live\",stage=\"keep\"}", "sluice_stage_busy_ratio{",
            "sluice_pipeline_up{pipeline=\"live\"} 1",
            "sluice_pipeline_reloads_total{pipeline=\"live\",outcome=\"invalid\"} 0",
            "sluice_stage_info{pipeline=\"live\",stage=\"numbers\",kind=\"source\",type=\"generate\"} 1",
            "process_resident_memory_bytes ", "process_cpu_seconds_total ", "process_open_fds ", "process_threads ",
            "process_start_time_seconds ",
        ] {
            #expect(metrics.text.contains(family), "\(family) missing")
        }

        let page = try await runner.get("/")
        #expect(page.status == 200 && page.text.contains("<html") && page.text.contains("/api/pipelines"))
    }

    @Test func theTapStreamsASampleOfWhatAStageEmits() async throws {
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "tapped").path])
        defer { runner.process.send(SIGKILL) }
        let sample = try await runner.get("/api/pipelines/tapped/tap/keep?limit=5")
        #expect(sample.status == 200)
        let lines = sample.text.split(separator: "\n")
        #expect(lines.count == 5)
        let ids = try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["id"] as? Int)
        }
        #expect(ids == ids.sorted())

        #expect(try await runner.get("/api/pipelines/tapped/tap/nope").status == 404)
        #expect(try await runner.get("/api/pipelines/tapped/tap/keep?limit=many").status == 400)
        #expect(try await runner.get("/api/pipelines/tapped/tap/keep?rate=0").status == 400)
    }

    /// A tap reader that never reads holds neither the pipeline nor the exit: a finite pipeline still
    /// delivers every event and the runner exits 0.
    @Test func aStalledTapReaderDoesNotHoldThePipeline() async throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("stalled.yaml")
        let padding = String(repeating: "x", count: 200)
        try """
        name: stalled
        sources:
          numbers:
            type: generate
            count: 600000
            rate: 150000
            fields: { id: sequence(), padding: "\(padding)" }
        sinks:
          out:
            type: blackhole
            inputs: [numbers]
        """.write(to: file, atomically: true, encoding: .utf8)
        let runner = try LiveRunner(["--no-watch", "--stats", file.path])
        let reader = try StalledReader(
            port: runner.address.port, path: "/api/pipelines/stalled/tap/numbers?rate=1000000000")
        defer { reader.close() }
        let result = try #require(runner.exit())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(" 600000 "), "\(result.stderr)")
        // The stream was still stuck on the reader at the end: the pipeline finished around it.
        #expect(result.stderr.contains("closed 1 tap stream whose reader stopped reading"), "\(result.stderr)")
    }

    @Test func aPortInUseIsAClearStartupError() throws {
        let taken = try ListeningSocket()
        defer { taken.close() }
        let runner = try RunnerProcess(
            ["apply", "--no-watch", "--api", "127.0.0.1:\(taken.port)", try endlessPipeline(name: "late").path])
        // With a deadline: a runner that went on after failing to listen would otherwise hang the test.
        guard eventually(within: 60, { !runner.process.isRunning }) else {
            runner.send(SIGKILL)
            Issue.record("the runner kept running after it could not listen: \(runner.stderrSoFar)")
            return
        }
        let result = runner.wait()
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(taken.port) (--api)"), "\(result.stderr)")
        #expect(result.stderr.contains("--no-api"))
    }

    @Test func noAPIListensWithNoAPI() throws {
        let result = try RunnerProcess.run(["apply", "--no-api", "pipelines/quickstart.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("API listening"))
    }

    @Test func anAddressThatIsNotHostAndPortIsBadUsage() throws {
        let result = try RunnerProcess.run(["apply", "--api", "localhost", "pipelines/quickstart.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--api must be HOST:PORT"))
    }
}
