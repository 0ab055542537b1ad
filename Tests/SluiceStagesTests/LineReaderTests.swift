import Foundation
import SluiceCore
import Testing

@testable import SluiceStages

@Suite struct LineReaderTests {
    /// Splits `text` with a tiny chunk size so lines span chunks; returns lines and too-long markers.
    private func split(_ text: String, chunkSize: Int, maxLineBytes: Int = 100) throws -> [String] {
        let directory = try TemporaryDirectory()
        let path = try directory.write("in.txt", text)
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let reader = LineReader(maxLineBytes: maxLineBytes, chunkSize: chunkSize)
        var cursor = LineCursor()
        var found: [String] = []
        let collect = { (item: LineItem) in
            switch item {
            case .line(let bytes, let number, let byteCount):
                found.append("\(number):\(String(decoding: bytes, as: UTF8.self)):\(byteCount)")
            case .tooLong(let number, let byteCount):
                found.append("\(number):too long:\(byteCount)")
            }
        }
        while reader.read(from: descriptor, cursor: &cursor, collect) > 0 {}
        reader.finish(cursor: &cursor, collect)
        return found
    }

    @Test func splitsLinesThatSpanChunks() throws {
        let text = "alpha\r\nbe\n\nlonger line here\nend"
        for chunkSize in [1, 2, 3, 7, 64] {
            #expect(
                try split(text, chunkSize: chunkSize) == [
                    "1:alpha:7", "2:be:3", "3::1", "4:longer line here:17", "5:end:3",
                ], "chunk size \(chunkSize)")
        }
    }

    @Test func skipsLongLinesWithoutBufferingThem() throws {
        let text = "ok\n" + String(repeating: "x", count: 50) + "\nfine\n" + String(repeating: "y", count: 11)
        for chunkSize in [1, 4, 1000] {
            #expect(
                try split(text, chunkSize: chunkSize, maxLineBytes: 10) == [
                    "1:ok:3", "2:too long:51", "3:fine:5", "4:too long:11",
                ], "chunk size \(chunkSize)")
        }
    }

    @Test func acceptsALineOfExactlyTheLimit() throws {
        #expect(
            try split("1234567890\r\n123456789", chunkSize: 3, maxLineBytes: 10) == [
                "1:1234567890:12", "2:123456789:9",
            ])
    }
}
