import Foundation
import SluiceCore
import Testing

@testable import SluiceStages

#if canImport(Glibc)
    import Glibc
#endif

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

    @Test func aRotatedFileThatStillMatchesTheGlobIsNotReadAgain() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.log", "{\"n\":1}\n{\"n\":2}\n")
        let (output, running) = try tail(directory, pattern: "app.log*")
        #expect(output.wait { numbers($0) == [1, 2] })
        // Rename and create: the writer still finishes a line in the old file before it reopens.
        try FileManager.default.moveItem(atPath: directory.file("app.log"), toPath: directory.file("app.log.1"))
        try directory.append("app.log.1", "{\"n\":3}\n")
        try directory.write("app.log", "{\"n\":4}\n")
        #expect(output.wait { numbers($0).count >= 4 })
        try directory.append("app.log", "{\"n\":5}\n")
        #expect(output.wait { numbers($0).count >= 5 })
        #expect(numbers(output) == [1, 2, 3, 4, 5])
        #expect(output.rejections.isEmpty)
        stop(output, running)
    }

    @Test func aFileTruncatedAndGrownPastTheReadPositionIsReadAgainFromItsStart() throws {
        let directory = try TemporaryDirectory()
        let lines = { (range: ClosedRange<Int>) in range.map { "{\"n\":\($0)}\n" }.joined() }
        try directory.write("app.log", lines(1...10))
        let (output, running) = try tail(directory)
        #expect(output.wait { numbers($0).count == 10 })
        // Emptied and written again, more than before, between two polls: the size alone does not tell.
        let handle = try #require(FileHandle(forWritingAtPath: directory.file("app.log")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(lines(11...40).utf8))
        try handle.close()
        #expect(output.wait { numbers($0).count >= 40 })
        #expect(numbers(output) == (1...40).map { Value.int(Int64($0)) })
        #expect(output.rejections.isEmpty)
        #expect(output.counters == [.truncations: 1])
        stop(output, running)
    }

    @Test func aLineCutByATruncationIsCountedAndNeverJoinedToTheNext() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.log", "{\"n\":1}\n{\"n\":")
        let (output, running) = try tail(directory)
        #expect(output.wait { numbers($0) == [1] })
        try directory.write("app.log", "{\"n\":2}\n")
        #expect(output.wait { numbers($0) == [1, 2] && !$0.rejections.isEmpty })
        #expect(
            output.rejections == [
                CollectingSourceOutput.Rejection(
                    count: 1, reason: .fileTruncated,
                    message: directory.file("app.log")
                        + ":2: the file was truncated; reading it again from its start; this line is lost")
            ])
        stop(output, running)
    }

    @Test func countsTheBytesATruncationTookBeforeTheyWereRead() throws {
        let directory = try TemporaryDirectory()
        // Three chunks of lines; the source reads the first and then waits for the pipeline.
        let line = "{\"pad\":\"" + String(repeating: "x", count: 90) + "\"}\n"
        let text = String(repeating: line, count: 3 * (1 << 20) / line.utf8.count)
        try directory.write("app.log", text)
        let source = try makeSource(
            FileSource.self, [("path", directory.file("app.log")), ("mode", "tail"), ("poll_interval", "10ms")])
        let output = GatedSourceOutput()
        let reader = SystemThread.start(detached: false) { try? source.run(output: output) }
        #expect(output.wait { output.blockedSends > 0 })
        // copytruncate: the rest of the file goes to a copy this source does not read.
        let handle = try #require(FileHandle(forWritingAtPath: directory.file("app.log")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("{\"n\":1}\n".utf8))
        try handle.close()
        output.open()
        #expect(output.wait { output.events.contains(Event(["n": 1])) })
        // It had read one chunk of 1 MiB; the line that chunk ends in is cut, and reported.
        #expect(output.counters == [.truncations: 1, .truncatedUnreadBytes: text.utf8.count - (1 << 20)])
        #expect(output.events.count == (1 << 20) / line.utf8.count + 1)
        #expect(output.rejections.map(\.reason) == [.fileTruncated])
        output.stop()
        pthread_join(reader, nil)
    }
}
