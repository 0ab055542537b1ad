import SluiceCore
import SluiceTesting
import Synchronization
import Testing

@testable import SluiceStages

#if canImport(Glibc)
    import Glibc
#endif

/// The `file` source decoding on several threads: order, line numbers and backpressure as on one.
@Suite struct FileSourceParallelTests {
    private func run(_ bytes: [UInt8], options: [(String, String)], batchSize: Int = 1_000) throws -> (
        CollectingSourceOutput, String
    ) {
        let directory = try TemporaryDirectory()
        let path = try directory.write("in.ndjson", bytes)
        let output = CollectingSourceOutput(batchSize: batchSize)
        try makeSource(FileSource.self, [("path", path)] + options).run(output: output)
        return (output, directory.path)
    }

    /// `count` NDJSON lines numbered from 0, each about `width` bytes long.
    private func numberedLines(_ count: Int, width: Int = 60) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * (width + 20))
        let padding = String(repeating: "p", count: width)
        for index in 0..<count { bytes += Array("{\"n\":\(index),\"pad\":\"\(padding)\"}\n".utf8) }
        return bytes
    }

    @Test func keepsTheOrderOfAFileOfManyChunks() throws {
        let bytes = numberedLines(120_000)
        #expect(bytes.count > 8 << 20)
        let (output, _) = try run(bytes, options: [("decoders", "4")], batchSize: 500)
        #expect(output.events.map { $0["n"] } == (0..<120_000).map { Value.int(Int64($0)) })
        #expect(output.batches.allSatisfy { $0.count <= 500 })
        #expect(output.batches.map(\.byteCount).reduce(0, +) == bytes.count)
        #expect(output.rejections.isEmpty)
    }

    @Test func reportsBadLinesAroundChunkBoundariesAsOneDecoderDoes() throws {
        // Bad lines just before, across and just after each 1 MiB read, and a long line across one.
        var bytes: [UInt8] = []
        var number = 0
        for boundary in 1...4 {
            let target = boundary << 20
            while bytes.count < target - 200 {
                number += 1
                bytes += Array("{\"n\":\(number)}\n".utf8)
            }
            bytes += Array("{\"bad\":\n".utf8)
            bytes += Array("{\"s\":\"".utf8) + [UInt8](repeating: 0x78, count: 300) + Array("\"\n".utf8)
            bytes += Array("[\(boundary)]\n".utf8)
            bytes += Array("{\"ok\":\(boundary)} x\n".utf8)
        }
        bytes += Array("{\"last\":true}".utf8)
        let (sequential, directory) = try run(bytes, options: [("decoders", "1"), ("max_line_bytes", "256")])
        let (parallel, parallelDirectory) = try run(bytes, options: [("decoders", "4"), ("max_line_bytes", "256")])
        let messages = { (output: CollectingSourceOutput, prefix: String) in
            output.rejections.map { String($0.message.dropFirst(prefix.count)) }
        }
        #expect(parallel.events == sequential.events)
        #expect(messages(parallel, parallelDirectory) == messages(sequential, directory))
        #expect(parallel.rejections.map(\.reason) == sequential.rejections.map(\.reason))
        #expect(sequential.rejectionCounts == [.malformedJSON: 8, .lineTooLong: 4, .notAnObject: 4])
        let firstBad = 1 + bytes.prefix { $0 != UInt8(ascii: "b") }.filter { $0 == 0x0A }.count
        #expect(
            messages(parallel, parallelDirectory).first?.hasPrefix("/in.ndjson:\(firstBad): malformed JSON") == true)
        #expect(parallel.events.last == Event(["last": true]))
    }

    @Test func decodesALineSpanningChunks() throws {
        let long = String(repeating: "z", count: 1_500_000)
        let head = numberedLines(9_000)
        let bytes = head + Array("{\"long\":\"\(long)\"}\n{\"n\":-1}\n".utf8)
        let (output, _) = try run(bytes, options: [("decoders", "4"), ("max_line_bytes", "2MiB")])
        #expect(output.rejections.isEmpty)
        #expect(output.events.count == 9_002)
        #expect(output.events[9_000] == Event(["long": .string(long)]))
        #expect(output.events.last?["n"] == -1)
    }

    @Test func stopsReadingWhileSendIsBlocked() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("in.ndjson")
        #expect(mkfifo(fifo, 0o600) == 0)
        let lineCount = 400_000
        let bytes = numberedLines(lineCount)
        let written = Atomic<Int>(0)
        let writer = SystemThread.start(detached: false) {
            let descriptor = open(fifo, O_WRONLY)
            defer { close(descriptor) }
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let count = write(descriptor, buffer.baseAddress! + offset, min(1 << 16, buffer.count - offset))
                    guard count > 0 else { return }
                    offset += count
                    written.store(offset, ordering: .relaxed)
                }
            }
        }
        let output = GatedSourceOutput()
        let source = try makeSource(FileSource.self, [("path", fifo), ("decoders", "4")])
        let reader = SystemThread.start(detached: false) { try? source.run(output: output) }
        #expect(output.wait { output.blockedSends > 0 })
        usleep(300_000)
        let writtenWhileBlocked = written.load(ordering: .relaxed)
        #expect(writtenWhileBlocked < 4 << 20)
        #expect(writtenWhileBlocked < bytes.count)
        output.open()
        pthread_join(reader, nil)
        pthread_join(writer, nil)
        #expect(output.events.map { $0["n"] } == (0..<lineCount).map { Value.int(Int64($0)) })
    }

    @Test func endsPromptlyWhenStoppedWhileSendIsBlocked() throws {
        let directory = try TemporaryDirectory()
        let lineCount = 300_000
        let path = try directory.write("in.ndjson", numberedLines(lineCount))
        let output = GatedSourceOutput()
        let source = try makeSource(FileSource.self, [("path", path), ("decoders", "4")])
        let finished = Atomic<Bool>(false)
        let reader = SystemThread.start(detached: false) {
            try? source.run(output: output)
            finished.store(true, ordering: .relaxed)
        }
        #expect(output.wait { output.blockedSends > 0 })
        let stopped = ContinuousClock.now
        output.stop()
        #expect(output.wait { finished.load(ordering: .relaxed) })
        #expect(ContinuousClock.now - stopped < .seconds(2))
        pthread_join(reader, nil)
        #expect(output.events.count < lineCount)
    }
}
