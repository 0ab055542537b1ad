import Foundation
import Logging
import Testing

@testable import SluiceService

/// The two log formats.
@Suite struct RunnerLogHandlerTests {
    @Test func textNamesTheStageAndTheReason() {
        let line = RunnerLogHandler.text(
            level: .warning, message: "line 3: not JSON",
            metadata: ["pipeline": "p", "stage": "events", "reason": "malformed_json", "suppressed": "4"])
        let expected =
            "warning: pipeline 'p' stage 'events': line 3: not JSON [malformed_json] "
            + "(4 similar messages suppressed)"
        #expect(line == expected)
        #expect(RunnerLogHandler.text(level: .info, message: "started", metadata: [:]) == "runner: started")
        #expect(
            RunnerLogHandler.text(level: .error, message: "gone", metadata: ["pipeline": "p"])
                == "error: pipeline 'p': gone")
    }

    @Test func jsonIsOneObjectWithTheMetadata() throws {
        let line = RunnerLogHandler.json(
            level: .warning, message: "a \"quoted\"\nline", metadata: ["pipeline": "p", "stage": "s", "reason": "r"])
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "warning" && object["message"] == "a \"quoted\"\nline")
        #expect(object["pipeline"] == "p" && object["stage"] == "s" && object["reason"] == "r")
        #expect(object["time"]?.hasSuffix("Z") == true)
    }
}
