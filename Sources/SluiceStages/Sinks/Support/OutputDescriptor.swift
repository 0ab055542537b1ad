import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a sink failed to do with its output, for the message of the `StageFailure` it throws:
/// `cannot write 'out/x.ndjson': Read-only file system`. The stage is not part of it: the engine's log
/// line names the stage already.
struct SinkIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the sink was doing when it failed.
    enum Operation: String, Sendable {
        case createDirectory = "create the folder for"
        case open = "open"
        case write = "write"
        case close = "close"
    }

    /// The file written to, or `<stdout>`.
    var path: String
    var operation: Operation
    /// The `errno` value of the failure.
    var code: Int32

    var description: String {
        "cannot \(operation.rawValue) '\(path)': \(String(cString: strerror(code)))"
    }

    /// The failure a sink throws for this error.
    var failure: StageFailure { StageFailure(description) }
}

extension StageCounter {
    /// Writes a sink tried again after an error that may pass, such as a full file system.
    public static let writeRetries: StageCounter = "write_retries"
}

/// How the records a sink writes end, so a partly written record can be found and cut off.
enum RecordFraming {
    /// Every record is one line (NDJSON, text): it ends at its newline.
    case lines
    /// CSV rows: a newline inside a quoted cell belongs to the row.
    case csv

    /// The length of the whole records at the start of `bytes`, which begins with a record.
    func wholeRecords(in bytes: UnsafeRawBufferPointer) -> Int {
        let newline = UInt8(ascii: "\n")
        switch self {
        case .lines:
            var end = bytes.count
            while end > 0 && bytes[end - 1] != newline { end -= 1 }
            return end
        case .csv:
            // A doubled quote inside a cell toggles twice, so the parity says whether a newline is quoted.
            var end = 0
            var quoted = false
            for (index, byte) in bytes.enumerated() {
                if byte == UInt8(ascii: "\"") {
                    quoted.toggle()
                } else if byte == newline && !quoted {
                    end = index + 1
                }
            }
            return end
        }
    }
}

/// What a sink's output held when the sink first wrote to it.
struct ExistingOutput {
    /// True when the output already held data that stays (a file appended to).
    var hasData: Bool
    /// The first line of that data (up to 64 KiB), such as the header of a CSV file.
    var firstLine: String?
}

/// A file descriptor a sink writes to: whole buffers per call, retrying partial writes, `EINTR`, and
/// errors that may pass.
///
/// - A full file system or quota (`ENOSPC`, `EDQUOT` on a regular file) is waited out: the write is tried
///   again with backoff, so the sink's `process` blocks, its queue fills and its producers wait (nothing
///   is dropped). The first failure is logged, then once per `WriteRetryPolicy.logPeriod`, and the
///   retries are counted (`write_retries`). Meanwhile a record written only in part is cut off again
///   (ftruncate to the end of the last whole record), so the file holds whole records even if the process
///   dies.
/// - Other errors cannot pass (a read-only or removed file system, a device that is full for good such
///   as `/dev/full`): the descriptor fails for good and throws a `StageFailure`, as it does when the
///   shutdown limit passes while it waits. Later writes throw it again. A file is first cut back to where
///   the batch being written began (`beginBatch`): the engine counts that whole batch as dropped, so none
///   of it may stay in the file.
/// - A broken pipe (`EPIPE`: the reader of stdout went away) is not an error for a sink that sets
///   `stopsOnBrokenPipe`: the descriptor stops writing and turns `isBroken`, and the sink fails for good.
final class OutputDescriptor {
    let path: String
    private var fd: Int32
    private let ownsDescriptor: Bool
    private let stopsOnBrokenPipe: Bool
    /// Only a regular file can get space back, and only a file the sink owns is cut back to whole records.
    private let isRegularFile: Bool
    private let framing: RecordFraming
    private let log: StageLog
    private let shutdown: ShutdownSignal
    private let policy = WriteRetryPolicy()
    /// True once the reader has gone away; nothing more is written.
    private(set) var isBroken = false
    /// The file is emptied just before the first write (or at close), not when it is opened: a reload
    /// builds a changed sink while the old one still writes the same file, and may even abandon it.
    private var truncatePending: Bool
    /// What the output held at the first write; set by `prepare`.
    private var existing: ExistingOutput?
    /// A newline goes first: the file appended to ends in a line without one.
    private var newlinePending = false
    /// Retries since the count was last taken.
    private var retries = 0
    /// Set once the descriptor failed for good.
    private var failure: StageFailure?
    /// The file's size when the batch being written began (`beginBatch`), for a regular file the sink owns.
    private var batchStart: off_t?

    /// Wraps `fd`, which the caller opened; it is closed by `close()` only when `owned` is true. With
    /// `truncateOnFirstUse`, the file is emptied before the first byte is written. Every buffer written
    /// must begin with a record that `framing` recognises.
    init(
        fd: Int32, path: String, owned: Bool, stopsOnBrokenPipe: Bool, truncateOnFirstUse: Bool = false,
        framing: RecordFraming = .lines, log: StageLog, shutdown: ShutdownSignal
    ) {
        self.framing = framing
        self.fd = fd
        self.path = path
        ownsDescriptor = owned
        self.stopsOnBrokenPipe = stopsOnBrokenPipe
        var status = stat()
        isRegularFile = fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        truncatePending = truncateOnFirstUse && isRegularFile
        self.log = log
        self.shutdown = shutdown
    }

    deinit {
        if ownsDescriptor, fd >= 0 { Glibc.close(fd) }
    }

    /// Readies the output for its first write and says what it already holds: empties a file that is
    /// not appended to, and makes a file appended to that ends in a partial line continue on a new line.
    func prepare() throws(StageFailure) -> ExistingOutput {
        if let existing { return existing }
        try truncateIfPending()
        var found = ExistingOutput(hasData: false)
        var status = stat()
        if ownsDescriptor, isRegularFile, fstat(fd, &status) == 0, status.st_size > 0 {
            newlinePending = OutputFile.lastByte(of: path).map { $0 != UInt8(ascii: "\n") } ?? false
            found = ExistingOutput(hasData: true, firstLine: OutputFile.firstLine(of: path))
        }
        existing = found
        return found
    }

    /// Writes every byte of `bytes`, waiting out errors that may pass; throws a `StageFailure` when it
    /// fails for good. Returns false, without throwing, when the pipe broke and the descriptor stops on a
    /// broken pipe; the bytes were then (partly) lost.
    func write(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        if let failure { throw failure }
        guard !isBroken else { return false }
        _ = try prepare()
        if newlinePending {
            guard try withUnsafeBytes(of: UInt8(ascii: "\n"), writeAll) else { return false }
            newlinePending = false
        }
        return try writeAll(bytes)
    }

    /// Notes where the batch about to be written begins, so that failing for good can take all of it back.
    /// Call after `prepare`, which may empty the file.
    func beginBatch() {
        var status = stat()
        let owned = ownsDescriptor && isRegularFile && failure == nil
        batchStart = owned && fstat(fd, &status) == 0 ? status.st_size : nil
    }

    /// True when failing for good takes the batch back out of the file: nothing of it counts as written.
    var takesBackFailedBatches: Bool { batchStart != nil }

    /// The number of retries since the last call, for the `write_retries` counter.
    func takeRetries() -> Int {
        defer { retries = 0 }
        return retries
    }

    /// Closes the descriptor if this object owns it.
    func close() throws(StageFailure) {
        if let failure { throw failure }
        guard ownsDescriptor, fd >= 0 else { return }
        try truncateIfPending()
        let result = Glibc.close(fd)
        fd = -1
        // After close(2) fails with EINTR the descriptor is already released on Linux: do not retry.
        if result != 0, errno != EINTR { throw fail(.close, errno) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(StageFailure) -> Bool {
        var offset = 0
        var outage: WriteOutage?
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written >= 0 {
                offset += written
                continue
            }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN:
                // A non-blocking descriptor (stdout inherited from a parent that set O_NONBLOCK): wait, don't spin.
                var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, -1)
            case EPIPE where stopsOnBrokenPipe:
                isBroken = true
                return false
            case ENOSPC where isRegularFile, EDQUOT where isRegularFile:
                offset = cutPartialRecord(bytes, written: offset)
                retries += 1
                var current = outage ?? WriteOutage(policy: policy)
                current.failed(code, path: path, log: log)
                outage = current
                guard shutdown.sleep(seconds: current.delay) else {
                    takeBackBatch()
                    throw fail(
                        SinkIOError(path: path, operation: .write, code: code).description
                            + "; gave up after \(current.attempts) attempts when the shutdown limit passed")
                }
            default:
                _ = cutPartialRecord(bytes, written: offset)
                takeBackBatch()
                throw fail(.write, code)
            }
        }
        outage?.recovered(path: path, log: log)
        return true
    }

    /// Cuts a record written only in part off the end of the file, so the file ends with whole records,
    /// and returns how many bytes of `bytes` stay written. Only for a regular file the sink owns; if the
    /// file cannot be cut, the partial record stays and the retry completes it.
    private func cutPartialRecord(_ bytes: UnsafeRawBufferPointer, written: Int) -> Int {
        guard ownsDescriptor, isRegularFile, written > 0 else { return written }
        let kept = framing.wholeRecords(in: UnsafeRawBufferPointer(rebasing: bytes[..<written]))
        guard kept < written else { return written }
        // The descriptor's position is just after the bytes written, even with O_APPEND.
        let end = lseek(fd, 0, SEEK_CUR)
        let target = end - off_t(written - kept)
        guard end >= 0, ftruncate(fd, target) == 0, lseek(fd, target, SEEK_SET) == target else { return written }
        return kept
    }

    /// Cuts the file back to where the batch being written began. If that fails, the whole records written
    /// stay, and the counters call them dropped.
    private func takeBackBatch() {
        guard let batchStart else { return }
        if ftruncate(fd, batchStart) != 0 { self.batchStart = nil }
    }

    private func truncateIfPending() throws(StageFailure) {
        guard truncatePending else { return }
        truncatePending = false
        if ftruncate(fd, 0) != 0 { throw fail(.write, errno) }
    }

    private func fail(_ operation: SinkIOError.Operation, _ code: Int32) -> StageFailure {
        fail(SinkIOError(path: path, operation: operation, code: code).description)
    }

    /// Remembers that the descriptor failed for good; the engine logs the failure it throws.
    private func fail(_ message: String) -> StageFailure {
        let failure = StageFailure(message)
        self.failure = failure
        return failure
    }
}

/// How an `OutputDescriptor` waits out errors that may pass: the backoff between attempts and how
/// often it logs that it still waits.
struct WriteRetryPolicy: Sendable {
    /// The wait after the first failed attempt; each further failure doubles it, up to `longestDelay`.
    var firstDelay = 0.01
    var longestDelay = 1.0
    /// While the error lasts, it is logged at most once per this many seconds.
    var logPeriod = 30.0
}

/// One stretch of failed writes: how long to wait next, and when it was last logged.
private struct WriteOutage {
    let policy: WriteRetryPolicy
    let started = SystemClock.monotonicNanoseconds()
    private var lastLogged: UInt64?
    private(set) var attempts = 0
    private(set) var delay: Double

    init(policy: WriteRetryPolicy) {
        self.policy = policy
        delay = policy.firstDelay / 2
    }

    /// Counts a failed attempt, doubles the wait, and logs when the last message is a period old.
    mutating func failed(_ code: Int32, path: String, log: StageLog) {
        attempts += 1
        delay = min(delay * 2, policy.longestDelay)
        let now = SystemClock.monotonicNanoseconds()
        let reason = SinkIOError(path: path, operation: .write, code: code).description
        if let lastLogged {
            guard Double(now - lastLogged) / 1e9 >= policy.logPeriod else { return }
            log.error("\(reason); still retrying after \(attempts) attempts in \(seconds(at: now)) s")
        } else {
            log.error("\(reason); retrying with backoff until it succeeds (the pipeline waits, nothing is dropped)")
        }
        lastLogged = now
    }

    /// Logs that writing works again.
    func recovered(path: String, log: StageLog) {
        let now = SystemClock.monotonicNanoseconds()
        log.warning("writing '\(path)' works again after \(attempts) failed attempts in \(seconds(at: now)) s")
    }

    private func seconds(at now: UInt64) -> String {
        SluiceCore.NumberText.fixed(Double(now - started) / 1e9, decimals: 1)
    }
}

/// Opening files for sinks, without Foundation.
enum OutputFile {
    /// Opens `path` for writing, creating it and its missing parent folders, appending when `append` is
    /// true. It never truncates: without `append` the caller empties the file before its first write
    /// (`OutputDescriptor`'s `truncateOnFirstUse`).
    static func open(_ path: String, append: Bool) throws(StageFailure) -> Int32 {
        try createParentDirectories(of: path)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : 0)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw SinkIOError(path: path, operation: .open, code: errno).failure }
        return fd
    }

    /// True when `path` and `other` name the same existing file.
    static func sameFile(_ path: String, _ other: String) -> Bool {
        var first = stat()
        var second = stat()
        return stat(path, &first) == 0 && stat(other, &second) == 0 && first.st_dev == second.st_dev
            && first.st_ino == second.st_ino
    }

    /// The last byte of the file at `path`, or `nil` when it cannot be read or is empty. (The sink's own
    /// descriptor is open for writing only.)
    static func lastByte(of path: String) -> UInt8? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var status = stat()
        var byte: UInt8 = 0
        guard fstat(fd, &status) == 0, status.st_size > 0, pread(fd, &byte, 1, status.st_size - 1) == 1 else {
            return nil
        }
        return byte
    }

    /// The first line of the file at `path` (up to 64 KiB), or `nil` when it cannot be read or is empty.
    static func firstLine(of path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var count = 0
        while count < buffer.count {
            let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if read < 0, errno == EINTR { continue }
            if read <= 0 { break }
            if buffer[count..<count + read].contains(UInt8(ascii: "\n")) {
                count += read
                break
            }
            count += read
        }
        var line = buffer[..<count]
        if let newline = line.firstIndex(of: UInt8(ascii: "\n")) { line = line[..<newline] }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }

    /// `mkdir -p` for the folder that holds `path`.
    static func createParentDirectories(of path: String) throws(StageFailure) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path[..<slash].split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw SinkIOError(path: path, operation: .createDirectory, code: errno).failure
            }
            prefix += "/"
        }
    }
}
