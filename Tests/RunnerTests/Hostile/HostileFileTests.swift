import Foundation
import SluiceTesting
import Testing

/// Hostile files through the real binary: log rotation while tailing, broken CSV, byte order marks, a
/// full or failing disk under a file sink, and reloads that replace a file sink.
@Suite struct HostileFileTests {
    /// A pipeline tailing `input` (a path or glob) into `output`.
    private func tailing(_ input: URL, to output: URL, sinkOptions: String = "") -> String {
        """
        name: tailing
        sources:
          logs:
            type: file
            path: "\(input.path)"
            mode: tail
            poll_interval: 20ms
        sinks:
          out:
            type: file
            inputs: [logs]
            path: \(output.path)
        \(sinkOptions)
        """
    }

    private func write(_ text: String, to url: URL) throws {
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// A runner tailing `app.log` in a fresh folder (or the files `glob` matches there), which held
    /// `numberedLines(1...count)` and has delivered them to `out.ndjson`. A test that ends early stops the runner.
    private final class TailRun {
        let folder: URL
        let log: URL
        let output: URL
        let pipeline: URL
        let runner: RunnerProcess

        init(folder: URL, log: URL, output: URL, pipeline: URL, runner: RunnerProcess) {
            self.folder = folder
            self.log = log
            self.output = output
            self.pipeline = pipeline
            self.runner = runner
        }

        deinit {
            if runner.process.isRunning { runner.process.terminate() }
        }
    }

    private func startTailing(
        _ count: Int, glob: String = "app.log", arguments: [String] = ["--no-watch"]
    ) throws -> TailRun {
        let folder = try temporaryFolder()
        let log = folder.appendingPathComponent("app.log")
        let output = folder.appendingPathComponent("out.ndjson")
        try write(numberedLines(1...count), to: log)
        let pipeline = folder.appendingPathComponent("tail.yaml")
        try write(tailing(folder.appendingPathComponent(glob), to: output), to: pipeline)
        let runner = try RunnerProcess(["apply", "--stats"] + arguments + [pipeline.path])
        #expect(eventually { numbers(in: output).count == count }, "\(runner.stderrSoFar)")
        return TailRun(folder: folder, log: log, output: output, pipeline: pipeline, runner: runner)
    }

    /// Stops the runner once `output` holds `count` numbers, and returns what it printed.
    private func stop(_ runner: RunnerProcess, whenHolding count: Int, _ output: URL) -> RunnerProcess.Result {
        let reached = eventually(within: 30) { numbers(in: output).count >= count }
        #expect(reached, "\(numbers(in: output).count) of \(count) events arrived: \(runner.stderrSoFar)")
        runner.send(SIGTERM)
        return runner.wait()
    }

    @Test func renameAndCreateRotationUnderAGlobDeliversEveryEventOnce() throws {
        // The glob matches the rotated files too.
        let tail = try startTailing(500, glob: "app.log*")
        let rotated = tail.folder.appendingPathComponent("app.log.1")
        try FileManager.default.moveItem(at: tail.log, to: rotated)
        try append(numberedLines(501...600), to: rotated)
        try write(numberedLines(601...1000), to: tail.log)
        #expect(eventually { numbers(in: tail.output).count >= 1000 })
        // One more line after the rotation settled: a file read twice would have shown by now.
        try append(numberedLines(1001...1001), to: tail.log)
        let result = stop(tail.runner, whenHolding: 1001, tail.output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: tail.output) == Array(1...1001))
    }

    @Test func copytruncateThatRegrowsPastTheReadPositionLosesNothingAndSplicesNothing() throws {
        let tail = try startTailing(1000)
        // copytruncate: copy aside, empty in place; the writer goes on, faster than the next poll.
        try FileManager.default.copyItem(at: tail.log, to: tail.folder.appendingPathComponent("app.log.1"))
        let handle = try FileHandle(forWritingTo: tail.log)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(numberedLines(1001...3000).utf8))
        try handle.close()
        let result = stop(tail.runner, whenHolding: 3000, tail.output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: tail.output) == Array(1...3000))
        #expect(!result.stderr.contains("malformed_json"), "\(result.stderr)")
        #expect(result.stderr.contains("1 truncations"), "\(result.stderr)")
    }

    @Test func copytruncateRotationsDuringAFastWriteLoseNothing() throws {
        let tail = try startTailing(1)
        let writer = try FileHandle(forWritingTo: tail.log)
        try writer.seekToEnd()
        let total = 100_001
        var previousRotation = 1
        for start in stride(from: 2, through: total, by: 1_000) {
            // Three rotations, before lines 25002, 50002 and 75002, each once the one before was read past;
            // the source may still be behind the last lines written.
            if start > 2 && start % 25_000 == 2 {
                #expect(eventually { numbers(in: tail.output).count >= previousRotation }, "\(tail.runner.stderrSoFar)")
                previousRotation = start - 1
                // logrotate with copytruncate: shift the older copies, copy aside, empty in place, write on.
                let copy = { (index: Int) in tail.folder.appendingPathComponent("app.log.\(index)") }
                for index in stride(from: 2, through: 1, by: -1)
                where FileManager.default.fileExists(atPath: copy(index).path) {
                    try FileManager.default.moveItem(at: copy(index), to: copy(index + 1))
                }
                try FileManager.default.copyItem(at: tail.log, to: copy(1))
                try writer.truncate(atOffset: 0)
            }
            try writer.write(contentsOf: Data(numberedLines(start...min(total, start + 999)).utf8))
        }
        try writer.close()
        let result = stop(tail.runner, whenHolding: total, tail.output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: tail.output) == Array(1...total))
        #expect(result.stderr.contains("3 truncations"), "\(result.stderr)")
        #expect(!result.stderr.contains("truncated_unread_bytes"), "\(result.stderr)")
    }

    @Test func anUnclosedCSVQuoteCostsOnlyItsOwnRow() throws {
        let folder = try temporaryFolder()
        let input = folder.appendingPathComponent("in.csv")
        let rows = (3...20_000).map { "\($0),row \($0)\n" }.joined()
        try write("n,s\n1,\"a stray quote\n" + rows, to: input)
        let output = folder.appendingPathComponent("out.ndjson")
        let pipeline = folder.appendingPathComponent("csv.yaml")
        try write(
            """
            sources:
              rows: { type: file, path: \(input.path), format: csv, max_line_bytes: 64KiB }
            sinks:
              out: { type: file, inputs: [rows], path: \(output.path) }
            """, to: pipeline)
        let result = try RunnerProcess.run(["apply", "--stats", pipeline.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: output) == Array(3...20_000))
        #expect(result.stderr.contains("in.csv:2: quoted field not closed within max_line_bytes (65536 bytes)"))
        #expect(result.stderr.contains("1 csv_unclosed_quote"), "\(result.stderr)")
    }

    /// A column named twice, a stray quote that a quoted field lines later closes, a header that cannot be
    /// read: every row either arrives or is counted, and no row is taken for a header.
    @Test func csvHeadersAndStrayQuotesLoseNoRowSilently() throws {
        let folder = try temporaryFolder()
        try write("n,n\n1,\"stray\n2,\"two\"\n3,\"three\"\n", to: folder.appendingPathComponent("twice.csv"))
        try (Data([0x6E, 0xFF, 0x0A]) + Data("4\n5\n".utf8)).write(to: folder.appendingPathComponent("bad.csv"))
        let output = folder.appendingPathComponent("out.ndjson")
        let pipeline = folder.appendingPathComponent("csv.yaml")
        try write(
            """
            sources:
              rows: { type: file, path: "\(folder.path)/*.csv", format: csv }
            sinks:
              out: { type: file, inputs: [rows], path: \(output.path) }
            """, to: pipeline)
        let result = try RunnerProcess.run(["apply", "--stats", "--stats-format", "prometheus", pipeline.path])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").sorted()
        #expect(rows == [#"{"n":2,"n_2":"two"}"#, #"{"n":3,"n_2":"three"}"#])
        #expect(result.stderr.contains("twice.csv:2: quoted field closed on line 3"), "\(result.stderr)")
        #expect(result.stderr.contains(#"reason="malformed_csv"} 1"#), "\(result.stderr)")
        #expect(result.stderr.contains(#"reason="invalid_utf8"} 1"#), "\(result.stderr)")
        #expect(result.stderr.contains(#"reason="csv_no_header"} 2"#), "\(result.stderr)")
        #expect(result.stderr.contains(#"name="csv_duplicate_column"} 1"#), "\(result.stderr)")
    }

    @Test func aByteOrderMarkCostsNeitherTheFirstEventNorTheFirstColumnName() throws {
        let folder = try temporaryFolder()
        let bom = Data([0xEF, 0xBB, 0xBF])
        try (bom + Data(numberedLines(1...2).utf8)).write(to: folder.appendingPathComponent("in.ndjson"))
        try (bom + Data("n,s\n3,x\n".utf8)).write(to: folder.appendingPathComponent("in.csv"))
        let output = folder.appendingPathComponent("out.ndjson")
        let pipeline = folder.appendingPathComponent("bom.yaml")
        try write(
            """
            sources:
              json: { type: file, path: \(folder.path)/in.ndjson }
              csv: { type: file, path: \(folder.path)/in.csv, format: csv }
            sinks:
              out: { type: file, inputs: [json, csv], path: \(output.path) }
            """, to: pipeline)
        let result = try RunnerProcess.run(["apply", "--stats", pipeline.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: output).sorted() == [1, 2, 3])
        #expect(!result.stderr.contains("malformed_json"), "\(result.stderr)")
    }

    @Test func aSinkOnAFullDeviceFailsLoudlyAndNamesTheStageOnce() throws {
        let folder = try temporaryFolder()
        let pipeline = folder.appendingPathComponent("full.yaml")
        try write(
            """
            sources:
              numbers: { type: generate, count: 100, fields: { n: sequence() } }
            sinks:
              out: { type: file, inputs: [numbers], path: /dev/full }
            """, to: pipeline)
        let result = try RunnerProcess.run(["apply", "--stats", pipeline.path])
        #expect(result.stderr.contains("stage 'out': cannot write '/dev/full': No space left on device"))
        #expect(!result.stderr.contains("stage 'out': stage 'out'"), "\(result.stderr)")
        // Not one event counts as written.
        let row = result.stderr.split(separator: "\n").first { $0.contains(" out ") && $0.contains("sink file") }
        #expect(row?.contains("100 stage_") == true, "\(result.stderr)")
    }

    /// Runs `runner apply --stats` with `arguments` on a pipeline writing 2,000 numbered events to a file
    /// on a disk with 8 KiB left, and waits until its sink retries a write that found the disk full.
    private func writingToAFullDisk(_ arguments: [String] = []) throws -> (
        disk: SmallFileSystem, output: URL, runner: RunnerProcess
    ) {
        let disk = try #require(SmallFileSystem(bytes: 128 * 1024))
        disk.fill(leaving: 8 * 1024)
        let output = URL(fileURLWithPath: disk.path + "/out.ndjson")
        let pipeline = try temporaryFolder().appendingPathComponent("disk.yaml")
        try write(
            """
            sources:
              numbers: { type: generate, count: 2000, fields: { n: sequence(), pad: '"padding"' } }
            sinks:
              out: { type: file, inputs: [numbers], path: \(output.path) }
            """, to: pipeline)
        let runner = try RunnerProcess(["apply", "--stats"] + arguments + [pipeline.path])
        #expect(
            eventually { runner.stderrSoFar.contains("No space left on device; retrying") }, "\(runner.stderrSoFar)")
        return (disk, output, runner)
    }

    @Test(.enabled(if: SmallFileSystem.isAvailable, "mounting a tmpfs needs root"))
    func aFullDiskIsWaitedOutWithWholeLinesAndNothingLost() throws {
        let (disk, output, runner) = try writingToAFullDisk()
        // While it waits, the file holds whole lines only.
        let waiting = try String(contentsOf: output, encoding: .utf8)
        #expect(waiting.isEmpty || waiting.hasSuffix("\n"))
        #expect(runner.process.isRunning)
        disk.makeRoom()
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(numbers(in: output) == Array(0..<2000))
        #expect(result.stderr.contains("write_retries"), "\(result.stderr)")
        #expect(result.stderr.contains("works again after"), "\(result.stderr)")
    }

    /// A sink that gives up on a full disk in the middle of a batch (the shutdown limit passes): what the
    /// counters call dropped is exactly what is not in the file, bytes written included.
    @Test(.enabled(if: SmallFileSystem.isAvailable, "mounting a tmpfs needs root"))
    func aSinkThatGivesUpOnAFullDiskCountsAsDroppedWhatIsNotInTheFile() throws {
        let (disk, output, runner) = try writingToAFullDisk(
            ["--stats-format", "prometheus", "--shutdown-timeout", "0s", "--batch-size", "100"])
        // The tmpfs is unmounted when `disk` goes: keep it until the file has been read.
        defer { withExtendedLifetime(disk) {} }
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 3, "\(result.stderr)")
        func metric(_ name: String) -> Int? {
            let line = result.stderr.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") }
        }
        let received = try #require(metric(#"sluice_stage_events_in_total{pipeline="disk",stage="out"}"#))
        let dropped = try #require(
            metric(#"sluice_stage_dropped_events_total{pipeline="disk",stage="out",reason="stage_failed"}"#))
        let bytes = try #require(metric(#"sluice_stage_bytes_out_total{pipeline="disk",stage="out"}"#))
        let written = try Data(contentsOf: output)
        // Some batches fit before the disk filled up; the one that did not is not in the file at all.
        #expect(numbers(in: output) == Array(0..<(received - dropped)), "\(result.stderr)")
        #expect(received > dropped)
        #expect(written.count == bytes)
    }

    @Test func aReloadThatReplacesAFileSinkKeepsWhatItWrote() throws {
        let tail = try startTailing(3, arguments: ["--watch-debounce", "10ms"])
        let (log, output, pipeline, runner) = (tail.log, tail.output, tail.pipeline, tail.runner)
        let reloads = { runner.stderrSoFar.components(separatedBy: "' reloaded in ").count - 1 }
        // Spelling out the default changes nothing: the sink is kept.
        try write(tailing(log, to: output, sinkOptions: "    append: false"), to: pipeline)
        #expect(eventually { runner.stderrSoFar.contains("changed but its stages did not") }, "\(runner.stderrSoFar)")
        try append(numberedLines(4...6), to: log)
        #expect(eventually { numbers(in: output).count == 6 })
        // A real change: the sink now writes CSV, after what it wrote before.
        try write(tailing(log, to: output, sinkOptions: "    format: csv\n    fields: [n]"), to: pipeline)
        #expect(eventually { reloads() == 1 }, "\(runner.stderrSoFar)")
        try append(numberedLines(7...8), to: log)
        #expect(eventually { (try? String(contentsOf: output, encoding: .utf8))?.hasSuffix("7\n8\n") == true })
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: output, encoding: .utf8) == numberedLines(1...6) + "7\n8\n")
    }

    @Test func validateWarnsAboutAnInputThatMatchesNothing() throws {
        let folder = try temporaryFolder()
        let pipeline = folder.appendingPathComponent("missing.yaml")
        try write(
            """
            sources:
              events: { type: file, path: nope.ndjson }
            sinks:
              out: { type: blackhole, inputs: [events] }
            """, to: pipeline)
        let checked = try RunnerProcess.run(["validate", pipeline.path], in: folder)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(
            checked.stderr.contains(
                "\(pipeline.path):2:31: warning: stage 'events': no file matches 'nope.ndjson' now; the source will "
                    + "fail unless one appears before it starts [no-matching-file]"), "\(checked.stderr)")
        #expect(checked.stdout.contains("ok"))
        let applied = try RunnerProcess.run(["apply", pipeline.path], in: folder)
        #expect(applied.stderr.contains("stage 'events': no file matches 'nope.ndjson'"), "\(applied.stderr)")
    }
}
