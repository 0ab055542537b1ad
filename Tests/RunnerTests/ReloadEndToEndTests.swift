import Foundation
import SluiceTesting
import Testing

/// Editing a running pipeline's file with the real binary: hundreds of reloads lose and repeat nothing.
@Suite struct ReloadEndToEndTests {
    /// The pipeline: numbered events through a transform in the middle to a file, plus a side branch.
    func pipeline(multiplier: Int, threshold: Int, output: URL) -> String {
        """
        name: numbered
        sources:
          numbers:
            type: generate
            rate: 20000
            fields:
              id: sequence()
        transforms:
          middle:
            type: enrich
            inputs: [numbers]
            fields:
              scaled: id * \(multiplier)
          side:
            type: filter
            inputs: [numbers]
            condition: id % 1000 < \(threshold)
        sinks:
          out:
            type: file
            inputs: [middle]
            path: \(output.path)
          side_out:
            type: blackhole
            inputs: [side]
        """
    }

    /// The reload log lines printed so far: applied reloads and rejected files.
    func outcomes(_ stderr: String) -> (applied: Int, invalid: Int) {
        let lines = stderr.split(separator: "\n")
        return (
            lines.filter { $0.contains("' reloaded in ") }.count,
            lines.filter { $0.contains("has errors; the running version continues") }.count
        )
    }

    @Test func threeHundredReloadsLoseAndRepeatNothing() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("numbered.yaml")
        let output = folder.appendingPathComponent("out.ndjson")
        try pipeline(multiplier: 1, threshold: 500, output: output).write(to: file, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--stats", "--watch-debounce", "10ms", file.path])
        #expect(eventually { FileManager.default.fileExists(atPath: output.path) })
        var expected = (applied: 0, invalid: 0)
        for round in 0..<300 {
            let text: String
            switch round % 3 {
            case 0:  // The transform in the middle of the graph changes.
                text = pipeline(multiplier: round + 2, threshold: 500, output: output)
                expected.applied += 1
            case 1:  // An invalid file: the running version must carry on untouched.
                text = pipeline(multiplier: round, threshold: 500, output: output) + "\n  broken: [\n"
                expected.invalid += 1
            default:  // A change on a branch unrelated to the output.
                text = pipeline(multiplier: round + 1, threshold: round % 1000, output: output)
                expected.applied += 1
            }
            try text.write(to: file, atomically: true, encoding: .utf8)
            let reached = eventually(within: 30) {
                let seen = outcomes(runner.stderrSoFar)
                return seen.applied >= expected.applied && seen.invalid >= expected.invalid
            }
            #expect(reached, "round \(round): the runner did not react; log:\n\(runner.stderrSoFar.suffix(2000))")
            if !reached { break }
        }
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0)
        #expect(outcomes(result.stderr) == expected)

        let ids = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["id"] as! Int
        }
        #expect(!ids.isEmpty)
        #expect(ids == Array(0..<ids.count), "events lost or repeated across reloads")

        let pauses = result.stderr.split(separator: "\n").compactMap { line -> Double? in
            guard let range = line.range(of: "sources paused ") else { return nil }
            return Double(line[range.upperBound...].prefix { $0 != " " })
        }.sorted()
        #expect(pauses.count == expected.applied)
        if !pauses.isEmpty {
            let p50 = pauses[pauses.count / 2]
            let p99 = pauses[min(pauses.count - 1, pauses.count * 99 / 100)]
            print("reload pauses over \(pauses.count) reloads: p50 \(p50) ms, p99 \(p99) ms, max \(pauses.last!) ms")
        }
    }

    @Test func changingOnlyTheSinkKeepsTheOpenWindowCounting() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("counts.yaml")
        let raw = folder.appendingPathComponent("raw.ndjson")
        func version(_ sink: String) -> String {
            countingPipeline(output: folder.appendingPathComponent(sink), raw: raw)
        }
        try version("first.ndjson").write(to: file, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", file.path])
        #expect(eventually { lineCount(raw) >= 1_000 }, "\(runner.stderrSoFar)")
        try version("second.ndjson").write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("reloaded in") })
        let atReload = lineCount(raw)
        #expect(eventually { lineCount(raw) >= atReload + 1_000 })
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("~ out  (changed: path"))
        // The old sink was finished empty: the window was still open when it left.
        #expect(try String(contentsOf: folder.appendingPathComponent("first.ndjson"), encoding: .utf8).isEmpty)
        let row = try #require(try ndjsonRows(folder.appendingPathComponent("second.ndjson")).first)
        // One window over the whole run, counted across the reload: every id from 0 to the last.
        #expect(row["events"] as! Int == (row["last_id"] as! Int) + 1)
        #expect(row["events"] as! Int == lineCount(raw))
    }

    /// `size: 1000s` rewritten as `size: 1000000ms` is the same configuration: the aggregate is kept with
    /// its open window, which is emitted once at the end (not early at the reload and then again).
    @Test func aCosmeticEditKeepsTheAggregateAndItsOpenWindow() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("counts.yaml")
        let raw = folder.appendingPathComponent("raw.ndjson")
        let output = folder.appendingPathComponent("windows.ndjson")
        // `id` doubles as the event time in ms: a run shorter than 1,000,000 events stays in one window.
        func version(_ size: String) -> String {
            countingPipeline(output: output, raw: raw, window: "{ type: tumbling, size: \(size), time_field: id }")
        }
        try version("1000s").write(to: file, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--stats", "--watch-debounce", "10ms", file.path])
        #expect(eventually { lineCount(raw) >= 1_000 }, "\(runner.stderrSoFar)")
        try version("1000000ms").write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("changed but its stages did not") }, "\(runner.stderrSoFar)")
        let atReload = lineCount(raw)
        #expect(eventually { lineCount(raw) >= atReload + 1_000 })
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("reloaded in"), "\(result.stderr)")
        #expect(result.stderr.contains("reloads: applied 0, unchanged 1"), "\(result.stderr)")
        let windows = try ndjsonRows(output)
        #expect(windows.count == 1, "the window was emitted \(windows.count) times: \(windows)")
        #expect(windows.first?["events"] as? Int == lineCount(raw))
        #expect(windows.first?["window_start"] as? Int == 0)
    }
}

/// A watched folder: a new file starts a pipeline, a removed file drains and stops its pipeline.
@Suite struct FolderReloadTests {
    @Test func newFilesStartAndRemovedFilesStopTheirPipelines() throws {
        let folder = try temporaryFolder()
        func pipeline(_ name: String, output: String) -> String {
            """
            name: \(name)
            sources:
              numbers:
                type: generate
                rate: 5000
                fields:
                  id: sequence()
            sinks:
              out:
                type: file
                inputs: [numbers]
                path: \(folder.appendingPathComponent(output).path)
            """
        }
        try pipeline("first", output: "first.ndjson").write(
            to: folder.appendingPathComponent("first.yaml"), atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", folder.path])
        #expect(
            eventually { FileManager.default.fileExists(atPath: folder.appendingPathComponent("first.ndjson").path) })

        try pipeline("second", output: "second.ndjson").write(
            to: folder.appendingPathComponent("second.yaml"), atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("started pipeline 'second'") })
        #expect(
            eventually { FileManager.default.fileExists(atPath: folder.appendingPathComponent("second.ndjson").path) })

        try FileManager.default.removeItem(at: folder.appendingPathComponent("first.yaml"))
        #expect(eventually { runner.stderrSoFar.contains("draining and stopping pipeline 'first'") })
        // The first pipeline drained: its output stops growing, and what it wrote is complete.
        var sizes: [UInt64] = []
        #expect(
            eventually {
                let size =
                    (try? FileManager.default.attributesOfItem(
                        atPath: folder.appendingPathComponent("first.ndjson").path)[.size] as? UInt64) ?? nil
                sizes.append(size ?? 0)
                return sizes.count > 10 && Set(sizes.suffix(10)).count == 1
            })
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["first", "second"] {
            let ids = try String(contentsOf: folder.appendingPathComponent("\(name).ndjson"), encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
                .map { $0["id"] as! Int }
            #expect(!ids.isEmpty && ids == Array(0..<ids.count), "\(name): events lost or repeated")
        }
    }

    /// A copy of a running pipeline's file dropped into the watched folder names the same pipeline: it is
    /// refused at its `name:` line, and the running pipeline alone writes its output. Once the original
    /// file is removed, the copy takes the name over.
    @Test func aCopyWithTheSameNameIsRefusedUntilTheNameIsFree() throws {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("out.ndjson")
        let text = """
            name: clicks
            sources:
              numbers: { type: generate, rate: 5000, fields: { id: sequence() } }
            sinks:
              out: { type: file, inputs: [numbers], path: \(output.path), append: true }
            """
        let original = folder.appendingPathComponent("clicks.yaml")
        try text.write(to: original, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", folder.path])
        #expect(eventually { lineCount(output) >= 100 }, "\(runner.stderrSoFar)")

        let copy = folder.appendingPathComponent("copy.yaml")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("[duplicate-pipeline]") }, "\(runner.stderrSoFar)")
        #expect(
            runner.stderrSoFar.contains(
                "\(copy.path):1:7: error: pipeline name 'clicks' is already used by \(original.path); give this file "
                    + "its own 'name:' [duplicate-pipeline]"), "\(runner.stderrSoFar)")
        // One pipeline writes the file: its ids run 0, 1, 2, ... (a second one would start again at 0).
        let refused = lineCount(output)
        #expect(eventually { lineCount(output) >= refused + 500 })
        let ids = try ndjsonRows(output).map { $0["id"] as! Int }
        #expect(ids == Array(0..<ids.count), "a second pipeline wrote to the file")

        try FileManager.default.removeItem(at: original)
        #expect(
            eventually { runner.stderrSoFar.contains("started pipeline 'clicks' from '\(copy.path)'") },
            "\(runner.stderrSoFar)")
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func removingATransformWithTheBinaryLosesNothing() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("p.yaml")
        let output = folder.appendingPathComponent("out.ndjson")
        let with = """
            sources:
              numbers: { type: generate, rate: 20000, fields: { id: sequence(), junk: 1 } }
            transforms:
              strip: { type: remove, inputs: [numbers], fields: [junk] }
            sinks:
              out: { type: file, inputs: [strip], path: \(output.path) }
            """
        let without = """
            sources:
              numbers: { type: generate, rate: 20000, fields: { id: sequence(), junk: 1 } }
            sinks:
              out: { type: file, inputs: [numbers], path: \(output.path), append: true }
            """
        try with.write(to: file, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", file.path])
        #expect(eventually { lineCount(output) >= 1_000 }, "\(runner.stderrSoFar)")
        try without.write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("- strip  (removed; drained first)") })
        let atReload = lineCount(output)
        #expect(eventually { lineCount(output) >= atReload + 1_000 })
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows.map { $0["id"] as! Int } == Array(0..<rows.count))
        // Before the reload the events went through `strip`; after it they kept `junk`.
        #expect(rows.first?["junk"] == nil)
        #expect(rows.last?["junk"] as? Int == 1)
    }
}
