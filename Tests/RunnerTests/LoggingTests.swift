import Foundation
import Testing

/// `--log-format` and `--log-level` through the real binary.
@Suite struct LoggingTests {
    func pipelineWithABadLine() throws -> URL {
        let folder = try temporaryFolder()
        try "{\"n\":1}\nnot json\n{\"n\":2}\n".write(
            to: folder.appendingPathComponent("in.ndjson"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("bad.yaml")
        try """
        name: bad
        sources:
          lines: { type: file, path: \(folder.path)/in.ndjson }
        sinks:
          out: { type: blackhole, inputs: [lines] }
        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func jsonLogsAreOneObjectPerLineWithTheStageAndReason() throws {
        let result = try RunnerProcess.run([
            "apply", "--no-watch", "--log-format", "json", try pipelineWithABadLine().path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stderr.split(separator: "\n").map { line in
            try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String], "\(line)")
        }
        let warning = try #require(objects.first { $0["level"] == "warning" }, "\(result.stderr)")
        #expect(warning["pipeline"] == "bad" && warning["stage"] == "lines" && warning["reason"] == "malformed_json")
        #expect(warning["message"]?.contains("in.ndjson:2") == true, "\(warning)")
        #expect(objects.contains { $0["level"] == "info" && $0["message"]?.hasPrefix("API listening on") == true })
    }

    @Test func theLogLevelHidesLessImportantMessages() throws {
        let result = try RunnerProcess.run([
            "apply", "--no-watch", "--log-level", "error", try pipelineWithABadLine().path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }
}
