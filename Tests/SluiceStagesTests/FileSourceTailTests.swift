import Foundation
import SluiceCore
import Testing

@testable import SluiceStages

@Suite struct FileSourceTailTests {
    private func tail(_ directory: TemporaryDirectory, pattern: String = "app.log", format: String = "ndjson")
        throws -> (CollectingSourceOutput, RunningSource)
    {
        let source = try makeSource(
            FileSource.self,
            [("path", directory.path + "/" + pattern), ("mode", "tail"), ("format", format), ("poll_interval", "10ms")])
        let output = CollectingSourceOutput()
        return (output, RunningSource(source, output: output))
    }

    private func numbers(_ output: CollectingSourceOutput) -> [Value?] {
        output.events.map { $0["n"] }
    }

    private func stop(_ output: CollectingSourceOutput, _ running: RunningSource) {
        output.stop()
        #expect(running.wait() != nil, "the source did not stop")
    }

    @Test func followsAppendedLinesAndWaitsForUnfinishedOnes() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.log", "{\"n\":1}\n")
        let (output, running) = try tail(directory)
        #expect(output.wait { numbers($0) == [1] })
        try directory.append("app.log", "{\"n\":2}\n{\"n\":")
        #expect(output.wait { numbers($0) == [1, 2] })
        try directory.append("app.log", "3}\nbad\n")
        #expect(output.wait { numbers($0) == [1, 2, 3] && $0.rejections.count == 1 })
        #expect(output.rejections.first?.message.hasPrefix(directory.path + "/app.log:4: malformed JSON") == true)
        stop(output, running)
    }

    @Test func followsARotationToTheNewFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.log", "{\"n\":1}\n")
        let (output, running) = try tail(directory)
        #expect(output.wait { numbers($0) == [1] })
        // The writer finishes its last line without a newline, then the file is rotated.
        try directory.append("app.log", "{\"n\":2}")
        try FileManager.default.moveItem(atPath: directory.path + "/app.log", toPath: directory.path + "/app.log.1")
        try directory.write("app.log", "{\"n\":3}\n")
        #expect(output.wait { numbers($0) == [1, 2, 3] })
        try directory.append("app.log", "{\"n\":4}\n")
        #expect(output.wait { numbers($0) == [1, 2, 3, 4] })
        #expect(output.rejections.isEmpty)
        stop(output, running)
    }

    @Test func rereadsATruncatedFileFromItsStart() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.log", "{\"n\":1}\n{\"n\":2}\n")
        let (output, running) = try tail(directory)
        #expect(output.wait { numbers($0) == [1, 2] })
        try directory.write("app.log", "{\"n\":3}\n")
        #expect(output.wait { numbers($0) == [1, 2, 3] })
        try directory.append("app.log", "bad\n")
        #expect(output.wait { $0.rejections.count == 1 })
        // Line numbers restart with the file.
        #expect(output.rejections.first?.message.hasPrefix(directory.path + "/app.log:2: ") == true)
        stop(output, running)
    }

    @Test func picksUpNewFilesMatchingTheGlob() throws {
        let directory = try TemporaryDirectory()
        let (output, running) = try tail(directory, pattern: "*.csv", format: "csv")
        try directory.write("a.csv", "n,s\n1,x\n")
        #expect(output.wait { numbers($0) == [1] })
        try directory.write("b.csv", "s,n\ny,2\n")
        #expect(output.wait { numbers($0) == [1, 2] })
        #expect(output.events.last == Event(["s": "y", "n": 2]))
        stop(output, running)
    }
}
