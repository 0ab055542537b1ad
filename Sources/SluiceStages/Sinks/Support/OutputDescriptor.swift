import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Why a sink could not write its output; carries the stage and the path so the engine can report it.
public struct SinkIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the sink was doing when it failed.
    public enum Operation: String, Sendable {
        case createDirectory = "create the folder for"
        case open = "open"
        case write = "write"
        case close = "close"
    }

    /// The id of the stage that failed.
    public var stage: String
    /// The file written to, or `<stdout>`.
    public var path: String
    public var operation: Operation
    /// The `errno` value of the failure.
    public var code: Int32

    public init(stage: String, path: String, operation: Operation, code: Int32) {
        self.stage = stage
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// What failed, without the stage: `cannot write 'out/x.ndjson': No space left on device`.
    public var message: String {
        "cannot \(operation.rawValue) '\(path)': \(String(cString: strerror(code)))"
    }

    public var description: String { "stage '\(stage)': \(message)" }
}

extension DropReason {
    /// Events a sink could not deliver because its reader went away (a closed pipe on stdout).
    public static let outputClosed: DropReason = "output_closed"
}

/// A file descriptor a sink writes to: whole buffers per call, retrying partial writes and `EINTR`.
///
/// A broken pipe (`EPIPE`: the reader of stdout went away) is not an error for a sink that sets
/// `stopsOnBrokenPipe`: it logs once, stops writing and counts what it could not deliver as dropped.
/// Any other failure is logged and thrown as a `SinkIOError`.
final class OutputDescriptor {
    let path: String
    private var fd: Int32
    private let ownsDescriptor: Bool
    private let stopsOnBrokenPipe: Bool
    private let stage: String
    private let log: StageLog
    /// True once the reader has gone away; nothing more is written.
    private(set) var isBroken = false
    /// The file is emptied just before the first write (or at close), not when it is opened: a reload
    /// builds a changed sink while the old one still writes the same file, and may even abandon it.
    private var truncatePending: Bool

    /// Wraps `fd`, which the caller opened; it is closed by `close()` only when `owned` is true. With
    /// `truncateOnFirstUse`, the file is emptied before the first byte is written.
    init(
        fd: Int32, path: String, owned: Bool, stopsOnBrokenPipe: Bool, truncateOnFirstUse: Bool = false,
        log: StageLog
    ) {
        self.fd = fd
        self.path = path
        ownsDescriptor = owned
        self.stopsOnBrokenPipe = stopsOnBrokenPipe
        truncatePending = truncateOnFirstUse
        stage = log.stage
        self.log = log
    }

    deinit {
        if ownsDescriptor, fd >= 0 { Glibc.close(fd) }
    }

    /// Writes every byte of `bytes`. Returns false, without throwing, when the pipe broke and the
    /// descriptor stops on a broken pipe; the bytes were then (partly) lost.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SinkIOError) -> Bool {
        guard !isBroken else { return false }
        try truncateIfPending()
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written >= 0 {
                offset += written
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN {
                // A non-blocking descriptor (stdout inherited from a parent that set O_NONBLOCK): wait, don't spin.
                var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, -1)
                continue
            }
            if code == EPIPE, stopsOnBrokenPipe {
                isBroken = true
                log.error("the reader of '\(path)' went away (broken pipe); discarding further output")
                return false
            }
            throw failure(.write, code)
        }
        return true
    }

    /// Closes the descriptor if this object owns it.
    func close() throws(SinkIOError) {
        guard ownsDescriptor, fd >= 0 else { return }
        try truncateIfPending()
        let result = Glibc.close(fd)
        fd = -1
        // After close(2) fails with EINTR the descriptor is already released on Linux: do not retry.
        if result != 0, errno != EINTR { throw failure(.close, errno) }
    }

    private func truncateIfPending() throws(SinkIOError) {
        guard truncatePending else { return }
        truncatePending = false
        if ftruncate(fd, 0) != 0 { throw failure(.write, errno) }
    }

    private func failure(_ operation: SinkIOError.Operation, _ code: Int32) -> SinkIOError {
        let error = SinkIOError(stage: stage, path: path, operation: operation, code: code)
        log.error(error.message)
        return error
    }
}

/// Opening files for sinks, without Foundation.
enum OutputFile {
    /// Opens `path` for writing, creating it and its missing parent folders, appending when `append` is
    /// true. It never truncates: without `append` the caller empties the file before its first write
    /// (`OutputDescriptor`'s `truncateOnFirstUse`). Returns the descriptor and whether the file already
    /// held data.
    static func open(_ path: String, append: Bool, log: StageLog) throws(SinkIOError) -> (fd: Int32, hadData: Bool) {
        try createParentDirectories(of: path, log: log)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : 0)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw failure(.open, path: path, code: errno, log: log) }
        var status = stat()
        let hadData = append && fstat(fd, &status) == 0 && status.st_size > 0
        return (fd, hadData)
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
    static func createParentDirectories(of path: String, log: StageLog) throws(SinkIOError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path[..<slash].split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw failure(.createDirectory, path: path, code: errno, log: log)
            }
            prefix += "/"
        }
    }

    private static func failure(
        _ operation: SinkIOError.Operation, path: String, code: Int32, log: StageLog
    ) -> SinkIOError {
        let error = SinkIOError(stage: log.stage, path: path, operation: operation, code: code)
        log.error(error.message)
        return error
    }
}
