import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Process plugins that misbehave, through the real runner: each costs only the batches it failed. The
/// pipeline runs on, every event is either processed or dead-lettered (and counted), later batches go
/// through again, and the runner's memory stays bounded.
@Suite(.serialized) struct MisbehavingPluginTests {
    /// A generous bound on the runner's memory: a plugin writing 100 MiB without a newline must not cost
    /// 100 MiB of it.
    static let residentLimitKiB = 400 * 1024

    private func pipeline(mode: String) -> String {
        """
        name: misbehaving
        sources:
          numbers: { type: generate, count: \(TestPlugins.eventCount), fields: { id: sequence() } }
        transforms:
          mark:
            type: enrich
            inputs: [numbers]
            fields: { bad: id == 150 || id == 1250 }
          plugin:
            type: misbehave
            inputs: [mark]
            mode: \(mode)
            timeout: \(mode == "hang" ? "5s" : "30s")
            retries: 1
            dead_letter: dead.ndjson
        sinks:
          out: { type: file, inputs: [plugin], path: out.ndjson }
        """
    }

    /// Runs the pipeline with the plugin in `mode`; returns the result and the largest RSS seen.
    private func run(_ plugins: TestPlugins, mode: String) throws -> (RunnerProcess.Result, Int) {
        try plugins.writeMisbehavingPlugin()
        try plugins.file("pipeline.yaml", pipeline(mode: mode))
        let runner = try RunnerProcess(
            ["apply", "--batch-size", "100", "--stats", "--stats-format", "prometheus", "pipeline.yaml"],
            in: plugins.folder)
        var largest = 0
        while runner.process.isRunning {
            largest = max(largest, residentKiB(of: runner.process.processIdentifier) ?? 0)
            usleep(20_000)
        }
        return (runner.wait(within: 240), largest)
    }

    @Test(arguments: [
        ("hang", "no answer within 5.0s"),
        ("exit137", "the plugin exited with status 137"),
        ("huge", "the plugin sent a frame longer than 16777216 bytes"),
        ("invalid_json", "the plugin sent an invalid frame"),
        ("fork", "the plugin exited with status 3"),
    ])
    func aMisbehavingPluginCostsOnlyTheBatchesItFailed(mode: String, reason: String) throws {
        let plugins = try TestPlugins()
        let (result, largestKiB) = try run(plugins, mode: mode)
        plugins.expectOnlyTheBadBatchesDeadLettered(result, pipeline: "misbehaving", reason: reason)
        #expect(largestKiB < Self.residentLimitKiB)
    }

    @Test func aForkedChildThatLingersIsKilledWithItsPlugin() throws {
        let plugins = try TestPlugins()
        let (result, _) = try run(plugins, mode: "fork")
        #expect(result.status == 0, "\(result.stderr)")
        // A path option is made absolute against the runner's working directory.
        let pidfile = plugins.folder.appendingPathComponent("child.pid")
        let pids = try String(contentsOf: pidfile, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(pids.count == 4)  // two batches, two tries each
        for pid in pids {
            #expect(isGone(pid), "the plugin's child \(pid) still runs")
        }
    }

    @Test func aPluginThatFloodsStandardErrorIsLoggedRateLimited() throws {
        let plugins = try TestPlugins()
        let (result, largestKiB) = try run(plugins, mode: "stderr_flood")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(plugins.records("out.ndjson").count == TestPlugins.eventCount)
        #expect(plugins.records("dead.ndjson").isEmpty)
        // 20 batches flood 20,000 lines each; the log keeps a few per second and counts the rest.
        let logged = result.stderr.split(separator: "\n").filter { $0.contains("stderr: noise") }
        #expect(!logged.isEmpty && logged.count < 1_000)
        #expect(result.stderr.contains("suppressed"))
        #expect(largestKiB < Self.residentLimitKiB)
    }

    /// True when `pid` no longer runs: gone, or a zombie waiting for a parent that is not the runner.
    private func isGone(_ pid: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
            usleep(50_000)
        }
        return false
    }
}
