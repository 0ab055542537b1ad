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
            let p50 = pauses[pauses.count / 2], p99 = pauses[min(pauses.count - 1, pauses.count * 99 / 100)]
            print("reload pauses over \(pauses.count) reloads: p50 \(p50) ms, p99 \(p99) ms, max \(pauses.last!) ms")
        }
    }

    @Test func changingOnlyTheSinkKeepsTheOpenWindowCounting() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("counts.yaml")
        func pipeline(sink: String) -> String {
            """
            sources:
              numbers:
                type: generate
                rate: 20000
                fields:
                  id: sequence()
            aggregations:
              total:
                type: aggregate
                inputs: [numbers]
                metrics:
                  events: count()
                  last_id: max(id)
            sinks:
              out:
                type: file
                inputs: [total]
                path: \(folder.appendingPathComponent(sink).path)
            """
        }
        try pipeline(sink: "first.ndjson").write(to: file, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", file.path])
        #expect(eventually { FileManager.default.fileExists(atPath: folder.appendingPathComponent("first.ndjson").path) })
        usleep(200_000)
        try pipeline(sink: "second.ndjson").write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("reloaded in") })
        usleep(200_000)
        runner.send(SIGTERM)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("~ out  (changed: path"))
        // The old sink was finished empty: the window was still open when it left.
        #expect(try String(contentsOf: folder.appendingPathComponent("first.ndjson"), encoding: .utf8).isEmpty)
        let row = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("second.ndjson"))) as! [String: Any]
        // One window over the whole run, counted across the reload: every id from 0 to the last.
        #expect(row["events"] as! Int == (row["last_id"] as! Int) + 1)
        #expect(row["events"] as! Int > 0)
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
        #expect(eventually { FileManager.default.fileExists(atPath: folder.appendingPathComponent("first.ndjson").path) })

        try pipeline("second", output: "second.ndjson").write(
            to: folder.appendingPathComponent("second.yaml"), atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("started pipeline 'second'") })
        #expect(eventually { FileManager.default.fileExists(atPath: folder.appendingPathComponent("second.ndjson").path) })

        try FileManager.default.removeItem(at: folder.appendingPathComponent("first.yaml"))
        #expect(eventually { runner.stderrSoFar.contains("draining and stopping pipeline 'first'") })
        // The first pipeline drained: its output stops growing, and what it wrote is complete.
        var sizes: [UInt64] = []
        #expect(eventually {
            let size = (try? FileManager.default.attributesOfItem(
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
        #expect(eventually { FileManager.default.fileExists(atPath: output.path) })
        usleep(200_000)
        try without.write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("- strip  (removed; drained first)") })
        usleep(200_000)
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
