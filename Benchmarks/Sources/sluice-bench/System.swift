import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call, with what was being done and `errno`'s text.
struct SystemCallError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// A file opened for writing (truncated), its missing parent folders created first.
final class OutputFile {
    private let descriptor: Int32
    private var written = 0

    init(path: String) throws {
        try makeParentDirectories(of: path)
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemCallError("open \(path)") }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw SystemCallError("write") }
                offset += result
            }
        }
        written += bytes.count
    }

    /// Closes the file and returns the number of bytes written.
    func close() throws -> Int {
        guard Glibc.close(descriptor) == 0 else { throw SystemCallError("close") }
        return written
    }
}

/// Creates every missing folder on the way to `path`'s parent.
func makeParentDirectories(of path: String) throws {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/").dropLast() {
        prefix += component + "/"
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw SystemCallError("mkdir \(prefix)") }
    }
}

/// Size in bytes and number of lines of a file, read in 1 MiB chunks.
func lineAndByteCount(of path: String) throws -> (lines: Int, bytes: Int) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw SystemCallError("open \(path)") }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var lines = 0
    var bytes = 0
    while true {
        let result = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if result < 0 && errno == EINTR { continue }
        guard result >= 0 else { throw SystemCallError("read \(path)") }
        if result == 0 { return (lines, bytes) }
        bytes += result
        for byte in buffer[..<result] where byte == UInt8(ascii: "\n") { lines += 1 }
    }
}

/// The folder holding this executable (where `swift build` also puts `runner`).
func executableDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return "." }
    let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

/// True when `path` names an executable file.
func isExecutable(_ path: String) -> Bool {
    access(path, X_OK) == 0
}

/// Seconds from a monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The number of cores online.
var coreCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

/// `value` with a fixed number of decimals and thousands separators, as the report tables show numbers.
func format(_ value: Double, decimals: Int) -> String {
    NumberText.fixed(value, decimals: decimals, grouping: true)
}

/// An integer with thousands separators: 1234567 → "1,234,567".
func grouped(_ value: Int64) -> String {
    NumberText.grouped(value)
}

/// The median of non-empty `values`.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
