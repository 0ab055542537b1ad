import Foundation
import SluiceCore
import SluiceTesting
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

    /// Numbered lines of 100 bytes, `n` from `numbers`.
    private func hundredByteLines(_ numbers: Range<Int>) -> String {
        numbers.map { index -> String in
            let start = "{\"n\":\(index),\"pad\":\""
            return start + String(repeating: "x", count: 100 - start.utf8.count - 3) + "\"}\n"
        }.joined()
    }

    /// Three chunks of numbered lines in `app.log`, and a source following it that has read the first
    /// chunk and waits for the pipeline. The caller opens the output's gate and stops it.
    private func followThreeChunksAndWait(_ directory: TemporaryDirectory) throws -> (
        text: String, lineLength: Int, output: GatedSourceOutput, reader: pthread_t
    ) {
        let lineLength = 100
        let text = hundredByteLines(0..<(3 * (1 << 20) / lineLength))
        try directory.write("app.log", text)
        let source = try makeSource(
            FileSource.self, [("path", directory.file("app.log")), ("mode", "tail"), ("poll_interval", "10ms")])
        let output = GatedSourceOutput()
        let reader = SystemThread.start(detached: false) { try? source.run(output: output) }
        #expect(output.wait { output.blockedSends > 0 })
        return (text, lineLength, output, reader)
    }

    /// Empties `app.log` in place and writes one line `{"n":-1}` to it.
    private func truncateAndWriteOneLine(_ directory: TemporaryDirectory) throws {
        let handle = try #require(FileHandle(forWritingAtPath: directory.file("app.log")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("{\"n\":-1}\n".utf8))
        try handle.close()
    }

    @Test func readsTheRestOfATruncatedFileFromItsCopy() throws {
        let directory = try TemporaryDirectory()
        let (text, lineLength, output, reader) = try followThreeChunksAndWait(directory)
        // copytruncate: copy aside, then empty in place.
        try directory.write("app.log.1", text)
        try truncateAndWriteOneLine(directory)
        output.open()
        let total = text.utf8.count / lineLength
        #expect(output.wait { output.events.count == total + 1 })
        #expect(output.events.map { $0["n"] } == ((0..<total).map { Value.int(Int64($0)) } + [-1]))
        #expect(output.counters == [.truncations: 1])
        #expect(output.rejections.isEmpty)
        output.stop()
        pthread_join(reader, nil)
    }

    @Test func noticesASecondRotationWhileItReadsTheFirstCopy() throws {
        let directory = try TemporaryDirectory()
        let (first, lineLength, output, reader) = try followThreeChunksAndWait(directory)
        let second = hundredByteLines(100_000..<100_300)
        let third = hundredByteLines(200_000..<200_600)
        try directory.write("app.log.1", first)
        try directory.write("app.log", second)
        // Ten batches of the first chunk and four of the copy pass; the source then waits inside the copy.
        output.allow(14)
        #expect(output.wait { output.blockedSends == 2 })
        // Rotated again, to a larger file: only its first bytes tell that it changed once more.
        try directory.write("app.log.2", second)
        try directory.write("app.log", third)
        output.open()
        let firstCount = first.utf8.count / lineLength
        let expected =
            (0..<firstCount).map { Value.int(Int64($0)) }
            + (100_000..<100_300).map { Value.int(Int64($0)) } + (200_000..<200_600).map { Value.int(Int64($0)) }
        #expect(output.wait { output.events.count == expected.count })
        #expect(output.events.map { $0["n"] } == expected)
        #expect(output.counters == [.truncations: 2])
        #expect(output.rejections.isEmpty)
        output.stop()
        pthread_join(reader, nil)
    }

    @Test func countsTheBytesATruncationTookBeforeTheyWereRead() throws {
        let directory = try TemporaryDirectory()
        let (text, lineLength, output, reader) = try followThreeChunksAndWait(directory)
        // Emptied with no copy beside it: what was not read yet is gone.
        try truncateAndWriteOneLine(directory)
        output.open()
        #expect(output.wait { output.events.contains(Event(["n": -1])) })
        // It had read one chunk of 1 MiB; the line that chunk ends in is cut, and reported.
        #expect(output.counters == [.truncations: 1, .truncatedUnreadBytes: text.utf8.count - (1 << 20)])
        #expect(output.events.count == (1 << 20) / lineLength + 1)
        #expect(output.rejections.map(\.reason) == [.fileTruncated])
        output.stop()
        pthread_join(reader, nil)
    }
}
