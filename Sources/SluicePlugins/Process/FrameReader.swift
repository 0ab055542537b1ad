#if canImport(Glibc)
    import Glibc
#endif

/// Splits what a plugin writes into lines (frames) without ever holding more than `limit` bytes of one:
/// a line longer than that is an error as soon as its first `limit` bytes have arrived, so 100 MiB
/// without a newline costs `limit` bytes of memory, not 100 MiB.
struct FrameReader {
    let limit: Int
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts.
    private var start = 0
    /// How far `buffer` has been searched for a newline.
    private var scanned = 0
    /// What one read fills.
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    init(limit: Int) {
        self.limit = limit
    }

    /// What one read from the descriptor gave.
    enum Fill {
        case data
        case endOfFile
        case wouldBlock
    }

    /// Reads what `descriptor` (non-blocking) has, up to 64 KiB.
    mutating func fill(from descriptor: Int32) -> Fill {
        compact()
        let count = scratch.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        let failure = errno
        if count > 0 {
            // Appended from a contiguous slice: one copy, and amortized growth.
            buffer.append(contentsOf: scratch[..<count])
            return .data
        }
        if count == 0 { return .endOfFile }
        return failure == EAGAIN || failure == EINTR ? .wouldBlock : .endOfFile
    }

    /// The next complete line without its newline, `nil` when none is complete yet; throws when the line
    /// under way is already longer than the limit.
    mutating func nextLine() throws(PluginError) -> ArraySlice<UInt8>? {
        let newline: Int? = buffer.withUnsafeBytes { bytes in
            guard scanned < bytes.count, let base = bytes.baseAddress,
                let found = memchr(base + scanned, Int32(UInt8(ascii: "\n")), bytes.count - scanned)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
        guard let newline else {
            scanned = buffer.count
            guard buffer.count - start <= limit else { throw .frameTooLong(limit) }
            return nil
        }
        let line = buffer[start..<newline]
        start = newline + 1
        scanned = start
        guard line.count <= limit else { throw .frameTooLong(limit) }
        return line
    }

    /// Drops the lines already returned, so the buffer holds only the line under way.
    private mutating func compact() {
        guard start > 0 else { return }
        buffer.removeFirst(start)
        scanned -= start
        start = 0
    }
}
