import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where one input stream stands between reads: lines seen so far and the unfinished line after them.
struct LineCursor {
    /// The number of lines completed so far; the next line is `lineNumber + 1`.
    var lineNumber = 0
    /// The start of a line whose newline has not been read yet.
    var partial: [UInt8] = []
    /// While skipping a line longer than the limit: its bytes so far. The line itself is not kept.
    var skippedBytes: Int?
}

/// One item a `LineReader` finds: a line, or the news that a line was too long and skipped.
enum LineItem {
    /// A line without its `\n` or `\r\n`, its 1-based number, and the input bytes it took (newline included).
    case line(UnsafeRawBufferPointer, number: Int, byteCount: Int)
    /// A line longer than the limit, skipped without being buffered whole.
    case tooLong(number: Int, byteCount: Int)
}

/// Splits the bytes of file descriptors into lines, reading large chunks with read(2) and finding
/// newlines with memchr.
///
/// One reader (one buffer) serves any number of streams: each stream keeps its own `LineCursor`, whose
/// unfinished line is carried into the buffer in front of the next chunk. Lines handed out point into
/// the buffer, are followed by at least `JSONReader.padding` readable bytes, and stay valid until the
/// reader's next `read` or `finish`.
final class LineReader {
    /// The most bytes read by one read(2) call.
    let chunkSize: Int
    /// The longest line accepted, without its newline.
    let maxLineBytes: Int
    private let buffer: UnsafeMutableRawBufferPointer
    /// The bytes at the start of `buffer` that the last `read` filled: the carried line and the chunk.
    private var filled = 0

    init(maxLineBytes: Int, chunkSize: Int = 1 << 20) {
        self.chunkSize = chunkSize
        self.maxLineBytes = maxLineBytes
        // Room for a carried line of the maximum length, a chunk, and the parser's padding.
        buffer = .allocate(byteCount: maxLineBytes + chunkSize + JSONReader.padding, alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        buffer.deallocate()
    }

    /// Reads one chunk from `descriptor` and passes every line it completes to `body`, in order.
    ///
    /// Returns the number of bytes read: 0 at the end of the data, -1 on an error (see `errno`).
    func read(from descriptor: Int32, cursor: inout LineCursor, _ body: (LineItem) -> Void) -> Int {
        let base = buffer.baseAddress!
        let carried = cursor.partial.count
        if carried > 0 {
            cursor.partial.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: carried) }
        }
        var count: Int
        repeat { count = Glibc.read(descriptor, base + carried, chunkSize) } while count < 0 && errno == EINTR
        guard count > 0 else { return count }
        filled = carried + count
        split(UnsafeRawBufferPointer(start: base, count: carried + count), cursor: &cursor, body)
        return count
    }

    /// The first bytes (up to `limit`) that the last `read` left in the buffer: the carried line, then the chunk.
    func firstBytes(upTo limit: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: min(limit, filled)))
    }

    /// The last bytes (up to `limit`) of the input that the last `read` reached, ending where it stopped.
    func lastBytes(upTo limit: Int) -> [UInt8] {
        let count = min(limit, filled)
        return Array(UnsafeRawBufferPointer(start: buffer.baseAddress! + (filled - count), count: count))
    }

    /// Ends a stream: passes its unfinished last line (one without a newline), if any, to `body`.
    func finish(cursor: inout LineCursor, _ body: (LineItem) -> Void) {
        if let skipped = cursor.skippedBytes {
            cursor.lineNumber += 1
            cursor.skippedBytes = nil
            body(.tooLong(number: cursor.lineNumber, byteCount: skipped))
        } else if !cursor.partial.isEmpty {
            let count = cursor.partial.count
            cursor.partial.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: count) }
            cursor.partial.removeAll(keepingCapacity: true)
            cursor.lineNumber += 1
            emit(start: 0, end: count, byteCount: count, cursor: cursor, body)
        }
    }

    private func split(_ data: UnsafeRawBufferPointer, cursor: inout LineCursor, _ body: (LineItem) -> Void) {
        let base = data.baseAddress!
        var start = 0
        if let skipped = cursor.skippedBytes {
            guard let newline = memchr(base, 0x0A, data.count) else {
                cursor.skippedBytes = skipped + data.count
                return
            }
            start = base.distance(to: UnsafeRawPointer(newline)) + 1
            cursor.lineNumber += 1
            cursor.skippedBytes = nil
            body(.tooLong(number: cursor.lineNumber, byteCount: skipped + start))
        }
        while start < data.count, let newline = memchr(base + start, 0x0A, data.count - start) {
            let end = base.distance(to: UnsafeRawPointer(newline))
            cursor.lineNumber += 1
            emit(start: start, end: end, byteCount: end - start + 1, cursor: cursor, body)
            start = end + 1
        }
        let rest = data.count - start
        cursor.partial.removeAll(keepingCapacity: true)
        if rest > maxLineBytes {
            cursor.skippedBytes = rest
        } else if rest > 0 {
            cursor.partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[start...]))
        }
    }

    /// Hands out the line in `buffer[start..<end]`, without a trailing `\r`, and without the UTF-8 byte
    /// order mark that some editors put at the start of a file.
    private func emit(start: Int, end: Int, byteCount: Int, cursor: LineCursor, _ body: (LineItem) -> Void) {
        let base = UnsafeRawPointer(buffer.baseAddress!)
        var start = start
        var end = end
        if cursor.lineNumber == 1,
            Self.startsWithByteOrderMark(UnsafeRawBufferPointer(start: base + start, count: end - start))
        {
            start += 3
        }
        if end > start && base.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
        if end - start > maxLineBytes {
            body(.tooLong(number: cursor.lineNumber, byteCount: byteCount))
        } else {
            body(
                .line(
                    UnsafeRawBufferPointer(start: base + start, count: end - start), number: cursor.lineNumber,
                    byteCount: byteCount))
        }
    }

    /// True when `bytes` begin with the UTF-8 byte order mark, EF BB BF.
    static func startsWithByteOrderMark(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }
}
