import Foundation
import SluiceTesting
import Testing

/// `runner apply` end to end: the real binary on real files, with bad input and signals.
@Suite struct ApplyTests {
    /// Every example pipeline validates.
    @Test func everyExamplePipelineValidates() throws {
        let result = try RunnerProcess.run(["validate", "pipelines/"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(
            atPath: RunnerProcess.packageRoot.appendingPathComponent("pipelines").path
        ).filter { $0.hasSuffix(".yaml") }
        #expect(result.stdout.split(separator: "\n").count == files.count)
    }

    /// Every example pipeline with finite sources runs to completion and writes its sinks, from a copy
    /// of the repository's pipelines so test runs never write into the checkout.
    @Test func everyExamplePipelineRunsToCompletion() throws {
        let root = RunnerProcess.packageRoot
        let folder = try temporaryFolder()
        // The plugins some of them use are found in plugins/ beside them.
        for name in ["pipelines", "plugins"] {
            try FileManager.default.copyItem(
                at: root.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(!files.isEmpty)
        // The benchmark pipeline reads a million generated events by default; here, the sample data.
        let environment = ["BENCH_INPUT": "pipelines/data/clickstream.ndjson"]
        for file in files {
            let result = try RunnerProcess.run(
                ["apply", "--stats", "pipelines/\(file)"], in: folder, environment: environment)
            #expect(result.status == 0, "\(file): \(result.stderr)")
            #expect(result.stderr.contains("events in"), "\(file): no stats table")
            #expect(!result.stderr.contains("warning:"), "\(file): \(result.stderr)")
        }
        let quickstart = try String(
            contentsOf: folder.appendingPathComponent("out/quickstart/by_category.ndjson"), encoding: .utf8)
        let rows = quickstart.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(!rows.isEmpty)
        let categories = Set(rows.compactMap { $0["category"] as? String })
        #expect(categories == ["books", "games", "music", "garden", "toys"])
        let counted = rows.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
        let sample = try String(
            contentsOf: root.appendingPathComponent("pipelines/data/clickstream.ndjson"), encoding: .utf8)
        let kept = sample.split(separator: "\n").filter {
            ((try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["value"] as! Double) >= 1
        }
        #expect(counted == kept.count)
        for row in rows {
            let start = row["window_start"] as! Int
            let end = row["window_end"] as! Int
            #expect(end - start == 10_000 && start % 10_000 == 0)
        }
    }

    /// Bad lines are skipped with a message naming the file and line; the good ones around them arrive.
    @Test func badLinesAreReportedAndGoodEventsStillArrive() throws {
        let folder = try temporaryFolder()
        let input = folder.appendingPathComponent("in.ndjson")
        var bytes = Array(#"{"n":1}"#.utf8) + [10]
        bytes += Array(#"{"n":2"#.utf8) + [10]  // malformed: line 2
        bytes += Array(#"{"n":3,"s":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8) + [10]  // invalid UTF-8: line 3
        bytes += Array("[1,2]".utf8) + [10]  // not an object: line 4
        bytes +=
            Array(#"{"n":5,"pad":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 300) + Array(#""}"#.utf8) + [10]
        bytes += Array(#"{"n":6}"#.utf8) + [10]
        try Data(bytes).write(to: input)
        let pipeline = folder.appendingPathComponent("bad.yaml")
        try """
        sources:
          lines:
            type: file
            path: \(input.path)
            max_line_bytes: 200
        sinks:
          out:
            type: file
            inputs: [lines]
            path: \(folder.path)/out.ndjson
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["apply", "--stats", pipeline.path])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try String(contentsOf: folder.appendingPathComponent("out.ndjson"), encoding: .utf8)
        #expect(output == "{\"n\":1}\n{\"n\":6}\n")
        for (line, reason) in [(2, "malformed_json"), (3, "invalid_utf8"), (4, "not_an_object"), (5, "line_too_long")] {
            #expect(result.stderr.contains("in.ndjson:\(line):"), "line \(line) not reported: \(result.stderr)")
            #expect(result.stderr.contains(reason), "\(reason) not counted: \(result.stderr)")
        }
    }

    /// A chain of 10,000 stateless transforms runs as one node of 10,001 stages and finishes: its end
    /// passes down the chain once (finishing a chain used to cost a pass per stage, minutes for this one).
    @Test func aTenThousandStageChainRunsToTheEnd() throws {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("out.ndjson")
        var lines = ["sources:", "  t0: { type: generate, count: 3, fields: { v: sequence() } }", "transforms:"]
        for index in 1...10_000 {
            lines.append("  t\(index): { type: filter, inputs: [t\(index - 1)], condition: v >= 0 }")
        }
        lines += ["sinks:", "  out: { type: file, inputs: [t10000], path: \(output.path) }"]
        let pipeline = folder.appendingPathComponent("chain.yaml")
        try (lines.joined(separator: "\n") + "\n").write(to: pipeline, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["apply", "--no-watch", pipeline.path])
        #expect(result.status == 0, "\(result.stderr.prefix(2_000))")
        #expect(try String(contentsOf: output, encoding: .utf8) == "{\"v\":0}\n{\"v\":1}\n{\"v\":2}\n")
    }

    /// SIGTERM stops an endless source, flushes the open window and the sink, and exits 0.
    @Test(arguments: [SIGTERM, SIGINT])
    func signalDrainsAndFlushesBeforeExiting(signal: Int32) throws {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("counts.ndjson")
        let raw = folder.appendingPathComponent("raw.ndjson")
        let pipeline = folder.appendingPathComponent("endless.yaml")
        try countingPipeline(output: output, raw: raw).write(to: pipeline, atomically: true, encoding: .utf8)
        let running = try RunnerProcess(["apply", "--stats", pipeline.path])
        // The raw copy shows the pipeline running; the assertions below hold whatever the number of events.
        #expect(eventually { lineCount(raw) >= 100 }, "no events flowed: \(running.stderrSoFar)")
        running.send(signal)
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let row = try #require(try ndjsonRows(output).first)
        let events = row["events"] as! Int
        #expect(events > 0)
        // Nothing generated is lost: ids run 0..<events, so the largest is events - 1.
        #expect(row["last_id"] as! Int == events - 1)
        #expect(lineCount(raw) == events)
    }
}

/// Standard input to standard output through the real binary.
@Suite struct StandardStreamsTests {
    @Test func stdinThroughFilterToStdout() throws {
        let folder = try temporaryFolder()
        let input = folder.appendingPathComponent("in.ndjson")
        try "{\"n\":1}\nnot json\n{\"n\":2}\n{\"n\":3}\n".write(to: input, atomically: true, encoding: .utf8)
        let pipeline = folder.appendingPathComponent("streams.yaml")
        try """
        sources:
          lines: { type: stdin }
        transforms:
          odd: { type: filter, inputs: [lines], condition: n % 2 == 1 }
        sinks:
          out: { type: stdout, inputs: [odd] }
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["apply", pipeline.path], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"n\":1}\n{\"n\":3}\n")
        #expect(result.stderr.contains("<stdin>:2:") || result.stderr.contains("stdin:2:"), "\(result.stderr)")
    }
}
