import Foundation
import SluiceTesting
import Testing

/// Hostile edits and signals against a running `runner`: edits that change nothing a stage does, values
/// no timer can wait for, and floods of SIGHUP. None may repeat an event or bring the process down.
@Suite struct HostileReloadTests {
    /// A pipeline tailing FOLDER/app.log into FOLDER/out.ndjson, with `sourceOptions` added to the source.
    private func tailing(in folder: URL, sourceOptions: String = "") -> String {
        """
        sources:
          logs: { type: file, path: \(folder.path)/app.log, mode: tail, poll_interval: 20ms\(sourceOptions) }
        sinks:
          out: { type: file, inputs: [logs], path: \(folder.path)/out.ndjson }
        """
    }

    /// Spelling out a default of a tailing source (`format: ndjson`) is no change: replacing the source
    /// would read the file again from its start and deliver every line a second time.
    @Test func spellingOutASourceDefaultReadsNothingTwice() throws {
        let folder = try temporaryFolder()
        let log = folder.appendingPathComponent("app.log")
        let output = folder.appendingPathComponent("out.ndjson")
        let pipeline = folder.appendingPathComponent("p.yaml")
        try numberedLines(1...50).write(to: log, atomically: true, encoding: .utf8)
        try tailing(in: folder).write(to: pipeline, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", pipeline.path])
        defer { if runner.process.isRunning { runner.send(SIGKILL) } }
        #expect(eventually { numbers(in: output).count == 50 }, "\(runner.stderrSoFar)")

        try tailing(in: folder, sourceOptions: ", format: ndjson").write(
            to: pipeline, atomically: true, encoding: .utf8)
        #expect(
            eventually { runner.stderrSoFar.contains("changed but its stages did not") }, "\(runner.stderrSoFar)")
        try append(numberedLines(51...60), to: log)
        #expect(eventually { numbers(in: output).count >= 60 }, "\(runner.stderrSoFar)")
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: output) == Array(1...60), "events were repeated or lost")
    }

    /// Durations and rates beyond what a clock can wait for (`poll_interval: 300000d`, a `rate` of 1e300 or
    /// 1e-12 events per second) wait as long as a clock can, or not at all; none may crash the runner.
    @Test func durationsAndRatesNoClockCanHoldCrashNothing() throws {
        let folder = try temporaryFolder()
        let log = folder.appendingPathComponent("app.log")
        let output = folder.appendingPathComponent("out.ndjson")
        let pipeline = folder.appendingPathComponent("p.yaml")
        try numberedLines(1...3).write(to: log, atomically: true, encoding: .utf8)
        try tailing(in: folder).replacingOccurrences(of: "poll_interval: 20ms", with: "poll_interval: 300000d")
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--no-watch", pipeline.path])
        defer { if runner.process.isRunning { runner.send(SIGKILL) } }
        #expect(eventually { numbers(in: output).count == 3 }, "\(runner.stderrSoFar)")
        runner.send(SIGTERM)
        let tailed = runner.wait()
        #expect(tailed.status == 0, "\(tailed.stderr)")

        for rate in ["1e300", "1e-12"] {
            try """
            sources:
              numbers: { type: generate, count: 1, rate: \(rate), fields: { n: sequence() } }
            sinks:
              out: { type: file, inputs: [numbers], path: \(output.path) }
            """.write(to: pipeline, atomically: true, encoding: .utf8)
            let generated = try RunnerProcess.run(["apply", "--no-watch", pipeline.path])
            #expect(generated.status == 0, "rate \(rate): \(generated.stderr)")
            #expect(numbers(in: output) == [0], "rate \(rate)")
        }
    }

    /// A file added to a watched folder whose pipeline name a running pipeline already has is refused, as
    /// it is when the runner starts (the name labels every metric); renaming a file is not such a clash.
    @Test func aNewFileCannotTakeTheNameOfARunningPipeline() throws {
        let folder = try temporaryFolder()
        func pipeline(writingTo output: String) -> String {
            """
            name: same
            sources:
              numbers: { type: generate, rate: 1000, fields: { n: sequence() } }
            sinks:
              out: { type: file, inputs: [numbers], path: \(folder.path)/\(output) }
            """
        }
        let first = folder.appendingPathComponent("a.yaml")
        try pipeline(writingTo: "a.ndjson").write(to: first, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--stats", "--watch-debounce", "10ms", folder.path])
        defer { if runner.process.isRunning { runner.send(SIGKILL) } }
        #expect(eventually { !numbers(in: folder.appendingPathComponent("a.ndjson")).isEmpty }, "\(runner.stderrSoFar)")

        try pipeline(writingTo: "c.ndjson").write(
            to: folder.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        #expect(
            eventually { runner.stderrSoFar.contains("error: pipeline name 'same' is already used by") },
            "\(runner.stderrSoFar)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("c.ndjson").path))

        try FileManager.default.removeItem(at: folder.appendingPathComponent("c.yaml"))
        try FileManager.default.moveItem(at: first, to: folder.appendingPathComponent("b.yaml"))
        #expect(
            eventually { runner.stderrSoFar.contains("started pipeline 'same' from") }, "\(runner.stderrSoFar)")
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
    }
}
