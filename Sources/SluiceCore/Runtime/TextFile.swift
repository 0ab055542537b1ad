#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads without Foundation, for configuration files and tests.
package enum TextFile {
    /// Why a file could not be read.
    package struct ReadError: Error, CustomStringConvertible {
        package let path: String
        package let reason: String
        package var description: String { "cannot read '\(path)': \(reason)" }
    }

    /// The file's bytes; reading stops once more than `limit` bytes have been read, so a caller can refuse
    /// an over-long file without holding all of it.
    package static func readBytes(_ path: String, limit: Int = .max) -> Result<[UInt8], ReadError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(ReadError(path: path, reason: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(path: path, reason: String(cString: strerror(errno))))
            }
            if count == 0 { return .success(result) }
            result.append(contentsOf: chunk[..<count])
            if result.count > limit { return .success(result) }
        }
    }

    /// The file's text, decoded as UTF-8 (invalid sequences become U+FFFD).
    package static func read(_ path: String) -> Result<String, ReadError> {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
