import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// The pipes to a running plugin: frames written to its standard input and lines read from its standard
/// output, every wait bounded by a deadline.
///
/// Writing and reading happen in one `poll` loop, so a plugin that answers before it has read the whole
/// batch (its output pipe full while the runner still writes) cannot deadlock the two.
struct PluginChannel {
    let process: ChildProcess
    private var reader: FrameReader
    private var pending: [UInt8] = []
    private var written = 0

    init(process: ChildProcess, frameLimit: Int) {
        self.process = process
        reader = FrameReader(limit: frameLimit)
    }

    /// Queues `frame` (one line, newline included) to be written while waiting for the next frame.
    mutating func send(_ frame: [UInt8]) {
        if written == pending.count {
            pending = frame
            written = 0
        } else {
            pending += frame
        }
    }

    /// Writes what is queued and returns the next line the plugin writes, or `nil` once `deadline`
    /// (monotonic nanoseconds) passes first.
    mutating func nextLine(deadline: UInt64) throws(PluginError) -> ArraySlice<UInt8>? {
        while true {
            if let line = try reader.nextLine() { return line }
            let now = SystemClock.monotonicNanoseconds()
            guard now < deadline else { return nil }
            // At most 100 ms per poll, so an `exited` plugin whose output another process still holds
            // open is noticed.
            let wait = Int32(min((deadline - now) / 1_000_000 + 1, 100))
            var descriptors = [pollfd(fd: process.output, events: Int16(POLLIN), revents: 0)]
            if written < pending.count {
                descriptors.append(pollfd(fd: process.input, events: Int16(POLLOUT), revents: 0))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), wait)
            if ready == 0, let status = process.exitStatus { throw .exited(status) }
            guard ready > 0 else { continue }
            if descriptors.count > 1, descriptors[1].revents != 0 { try writePending() }
            if descriptors[0].revents != 0, reader.fill(from: process.output) == .endOfFile {
                _ = process.waitForExit(seconds: 1)
                throw .exited(process.exitStatus)
            }
        }
    }

    private mutating func writePending() throws(PluginError) {
        let count = pending.withUnsafeBytes { bytes in
            write(process.input, bytes.baseAddress! + written, bytes.count - written)
        }
        if count > 0 {
            written += count
        } else if count < 0, errno != EAGAIN, errno != EINTR {
            // EPIPE: the plugin closed its standard input or exited.
            _ = process.waitForExit(seconds: 1)
            throw .exited(process.exitStatus)
        }
    }
}
