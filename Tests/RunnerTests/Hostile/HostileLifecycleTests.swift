import Foundation
import SluiceTesting
import Testing

/// Hostile lifecycles with the real binary: readers that go away, sinks that block forever, signals
/// during a stuck drain, inputs that do not exist and pipeline files caught half-written.
@Suite struct HostileLifecycleTests {
    /// A pipeline named `name` whose endless `generate` source `numbers` numbers its events in `id`,
    /// `rate` events per second (as fast as it can without), and no sinks yet.
    func generator(name: String, rate: Int? = nil) -> String {
        "name: \(name)\nsources:\n  numbers:\n    type: generate\n" + (rate.map { "    rate: \($0)\n" } ?? "")
            + "    fields: { id: sequence() }\n"
    }

    /// An endless `generate` source into `sink` (YAML of one sink named `out`).
    func endless(name: String, sink: String) -> String {
        generator(name: name) + "sinks:\n  out:\n    inputs: [numbers]\n"
            + sink.split(separator: "\n").map { "    " + $0 + "\n" }.joined()
    }

    func write(_ text: String, in folder: URL, as name: String) throws -> URL {
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// True when the pipe or FIFO that `writeEnd` writes to is full: a writer blocks now.
    func isFull(_ writeEnd: Int32) -> Bool {
        var ready = pollfd(fd: writeEnd, events: Int16(POLLOUT), revents: 0)
        return poll(&ready, 1, 0) == 0
    }

    /// How many threads the runner has (from `/proc`), 0 if unknown.
    func threadCount(of runner: RunnerProcess) -> Int {
        let status =
            (try? String(contentsOfFile: "/proc/\(runner.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
        return line.flatMap { Int($0.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    /// Starts an endless pipeline named `name` whose stdout sink writes into a pipe nobody reads, and
    /// waits until the pipe is full (the sink is blocked in a write). Returns the runner and the pipe.
    func runnerBlockedOnStdout(name: String, shutdownTimeout: String) throws -> (RunnerProcess, Pipe) {
        let file = try write(endless(name: name, sink: "type: stdout"), in: try temporaryFolder(), as: "\(name).yaml")
        let unread = Pipe()
        let runner = try RunnerProcess(
            ["apply", "--no-watch", "--shutdown-timeout", shutdownTimeout, file.path],
            stdout: unread.fileHandleForWriting)
        #expect(
            eventually { isFull(unread.fileHandleForWriting.fileDescriptor) },
            "the pipe never filled: \(runner.stderrSoFar)")
        return (runner, unread)
    }

    /// Waits (with a generous deadline) for the runner to exit; kills it if it does not, so a failing
    /// test never leaves a process behind.
    func exit(of runner: RunnerProcess, within seconds: Double = 60) -> RunnerProcess.Result? {
        guard eventually(within: seconds, { !runner.process.isRunning }) else {
            runner.send(SIGKILL)
            return nil
        }
        return runner.wait()
    }

    @Test func aStdoutReaderThatGoesAwayFailsTheSinkAndExitsThree() throws {
        let folder = try temporaryFolder()
        let file = try write(endless(name: "piped", sink: "type: stdout"), in: folder, as: "piped.yaml")
        let toHead = Pipe()
        let fromHead = Pipe()
        let head = Process()
        head.executableURL = URL(fileURLWithPath: "/usr/bin/head")
        head.arguments = ["-1"]
        head.standardInput = toHead.fileHandleForReading
        head.standardOutput = fromHead.fileHandleForWriting
        try head.run()
        let runner = try RunnerProcess(["apply", "--no-watch", file.path], stdout: toHead.fileHandleForWriting)
        // Only the children may hold the pipe, or the runner would never see its reader go away.
        try toHead.fileHandleForReading.close()
        try toHead.fileHandleForWriting.close()
        try fromHead.fileHandleForWriting.close()
        let result = try #require(exit(of: runner))
        head.waitUntilExit()
        let firstLine = String(decoding: fromHead.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(firstLine == "{\"id\":0}\n")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "error: pipeline 'piped' stage 'out': failed for good: the reader of '<stdout>' went away (broken pipe)"
            ))
        #expect(result.stderr.contains("stage 'numbers': stopping; no sink it feeds can take events any more"))
        #expect(result.stderr.contains("runner: 1 stage failed for good; exit status 3"))
    }

    @Test func anInputThatDoesNotExistExitsThree() throws {
        let folder = try temporaryFolder()
        let file = try write(
            """
            sources:
              lines: { type: file, path: nope.ndjson }
            sinks:
              out: { type: blackhole, inputs: [lines] }
            """, in: folder, as: "missing.yaml")
        let result = try RunnerProcess.run(["apply", "--no-watch", file.path], in: folder)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("stage 'lines': failed for good: no file matches 'nope.ndjson'"))
    }

    /// SIGTERM while the stdout sink is stuck in a write to a pipe nobody reads: the drain cannot end, so
    /// the runner gives up at the shutdown limit, names what was not delivered and exits 3.
    @Test func aSinkBlockedOnAPipeNobodyReadsEndsAtTheShutdownLimit() throws {
        let (runner, unread) = try runnerBlockedOnStdout(name: "blocked", shutdownTimeout: "1s")
        defer { try? unread.fileHandleForReading.close() }
        runner.send(SIGTERM)
        let result = try #require(exit(of: runner))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("runner: the shutdown limit (1s) passed; telling every stage to give up"))
        #expect(result.stderr.contains("runner: not delivered: pipeline 'blocked' stage 'out': "), "\(result.stderr)")
        #expect(result.stderr.contains("inside one call for"), "\(result.stderr)")
        #expect(result.stderr.contains("runner: exiting with status 3 (the shutdown limit passed)"))
    }

    /// The same with a file sink writing into a FIFO whose reader never reads.
    @Test func aFileSinkOnAStalledFIFOEndsAtTheShutdownLimit() throws {
        let folder = try temporaryFolder()
        let fifo = folder.appendingPathComponent("stalled.fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        // Opened for reading (so the runner's open succeeds) and never read; the write end only to see it full.
        let reader = open(fifo.path, O_RDONLY | O_NONBLOCK)
        let writer = open(fifo.path, O_WRONLY | O_NONBLOCK)
        #expect(reader >= 0 && writer >= 0)
        defer {
            close(writer)
            close(reader)
        }
        let file = try write(
            endless(name: "fifo", sink: "type: file\npath: \(fifo.path)\nappend: true"), in: folder, as: "fifo.yaml")
        let runner = try RunnerProcess(["apply", "--no-watch", "--shutdown-timeout", "1s", file.path])
        #expect(eventually { isFull(writer) }, "the FIFO never filled: \(runner.stderrSoFar)")
        runner.send(SIGTERM)
        let result = try #require(exit(of: runner))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("runner: not delivered: pipeline 'fifo' stage 'out': "), "\(result.stderr)")
    }

    /// A file sink whose FIFO nobody opens blocks while the pipeline is being built, before anything
    /// runs: a stop is still heard, and the limit still ends the process.
    @Test func aFileSinkOpeningAFIFONobodyReadsEndsAtTheShutdownLimit() throws {
        let folder = try temporaryFolder()
        let fifo = folder.appendingPathComponent("nobody.fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let file = try write(
            endless(name: "opening", sink: "type: file\npath: \(fifo.path)\nappend: true"), in: folder,
            as: "opening.yaml")
        let runner = try RunnerProcess(["apply", "--no-watch", "--shutdown-timeout", "1s", file.path])
        // The runner blocks the stop signals before it starts its first thread, so a second thread means a
        // SIGTERM from now on reaches its signal thread rather than killing it.
        #expect(eventually { threadCount(of: runner) >= 2 })
        runner.send(SIGTERM)
        let result = try #require(exit(of: runner))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("runner: not delivered: the pipeline of '\(file.path)' was still starting"))
    }

    @Test func aShutdownTimeoutThatIsNotADurationIsBadUsage() throws {
        let result = try RunnerProcess.run(["apply", "--shutdown-timeout", "soon", "pipelines/quickstart.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--shutdown-timeout must be a duration such as 30s"))
    }

    /// More workers than the system has threads for is bad usage, not a crash while starting them.
    @Test func aWorkerCountNoSystemCanStartIsBadUsage() throws {
        let result = try RunnerProcess.run(["apply", "--workers", "1000000", "pipelines/quickstart.yaml"])
        #expect(result.status == 2, "\(result.stderr.prefix(500))")
        #expect(result.stderr.contains("--workers must be between 1 and 1024"))
    }

    /// A second signal exits at once with 130, however stuck the drain is.
    @Test func aSecondSignalExitsAtOnceWhileASinkIsBlocked() throws {
        let (runner, unread) = try runnerBlockedOnStdout(name: "impatient", shutdownTimeout: "10m")
        defer { try? unread.fileHandleForReading.close() }
        runner.send(SIGINT)
        #expect(eventually { runner.stderrSoFar.contains("received SIGINT; stopping sources and draining") })
        runner.send(SIGINT)
        let result = try #require(exit(of: runner))
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("runner: second signal; exiting without draining"))
    }

    /// A flood of SIGHUPs while a reload waits for a pipeline that cannot drain: the SIGHUPs fold into one
    /// more reload rather than a thread each, so the runner's threads stay few.
    @Test func aFloodOfSIGHUPDuringAStuckReloadStartsNoThreadPerSignal() throws {
        let (runner, unread) = try runnerBlockedOnStdout(name: "flooded", shutdownTimeout: "1s")
        defer { try? unread.fileHandleForReading.close() }
        let file = try #require(runner.process.arguments?.first { $0.hasSuffix(".yaml") })
        let edited = try String(contentsOfFile: file, encoding: .utf8) + "# edited\n"
        try edited.write(toFile: file, atomically: true, encoding: .utf8)
        runner.send(SIGHUP)
        #expect(eventually { runner.stderrSoFar.contains("received SIGHUP") })
        let before = threadCount(of: runner)
        for _ in 0..<2_000 {
            runner.send(SIGHUP)
            usleep(200)
        }
        #expect(threadCount(of: runner) < before + 20, "\(threadCount(of: runner)) threads, \(before) before")
        runner.send(SIGTERM)
        let result = try #require(exit(of: runner))
        #expect(result.status == 3, "\(result.stderr)")
    }

    /// Saving a pipeline file in two writes with a pause between them (a slow copy): the first half, with
    /// no sink, is refused like an invalid file; the whole file is then applied; nothing is lost.
    @Test func aFileSavedInTwoWritesIsNeverAppliedHalfWritten() throws {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("out.ndjson")
        let source = generator(name: "halves", rate: 5000)
        let sink = """
            sinks:
              out:
                type: file
                inputs: [INPUT]
                path: \(output.path)
                append: true

            """
        let tag = """
            transforms:
              tag:
                type: enrich
                inputs: [numbers]
                fields:
                  tagged: "true"

            """
        let file = try write(
            source + sink.replacingOccurrences(of: "INPUT", with: "numbers"), in: folder, as: "halves.yaml")
        let runner = try RunnerProcess(["apply", "--stats", "--watch-debounce", "50ms", file.path])
        #expect(eventually { FileManager.default.fileExists(atPath: output.path) })

        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((source + tag).utf8))
        try handle.close()
        #expect(
            eventually(within: 30) { runner.stderrSoFar.contains("error: the pipeline has no sinks") },
            "the half-written file was not refused: \(runner.stderrSoFar)")
        let rest = try FileHandle(forWritingTo: file)
        try rest.seekToEnd()
        try rest.write(contentsOf: Data(sink.replacingOccurrences(of: "INPUT", with: "tag").utf8))
        try rest.close()
        #expect(eventually(within: 30) { runner.stderrSoFar.contains("pipeline 'halves' reloaded in") })
        #expect(eventually { ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("\"tagged\"") })

        runner.send(SIGTERM)
        let result = try #require(exit(of: runner))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pipeline 'halves' reloads: applied 1, unchanged 0, invalid 1, failed 0"))
        let ids = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["id"] as? Int ?? -1
        }
        #expect(!ids.isEmpty)
        #expect(ids == Array(0..<ids.count), "events were lost or repeated")
    }
}
