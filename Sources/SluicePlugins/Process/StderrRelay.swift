import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Copies a plugin's standard error into the runner's log, one warning per line, rate-limited by the
/// stage's `StageLog` (a plugin that floods its standard error costs log lines, not memory, and is never
/// blocked: the relay always reads). Lines are cut at `maximumLine` bytes.
enum StderrRelay {
    static let maximumLine = 1_024
    /// The key the stage's log rate-limits plugin output under.
    static let counter: StageCounter = "plugin_stderr"

    /// Reads `descriptor` on a thread of its own until end of file, then closes it.
    static func start(_ descriptor: Int32, plugin: String, log: StageLog) {
        SystemThread.start {
            var line: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                for byte in chunk[..<count] {
                    if byte == UInt8(ascii: "\n") {
                        emit(line, plugin: plugin, log: log)
                        line.removeAll(keepingCapacity: true)
                    } else if line.count < maximumLine {
                        line.append(byte)
                    }
                }
            }
            if !line.isEmpty { emit(line, plugin: plugin, log: log) }
            close(descriptor)
        }
    }

    private static func emit(_ line: [UInt8], plugin: String, log: StageLog) {
        log.warn(counter: counter, "plugin '\(plugin)' stderr: \(String(decoding: line, as: UTF8.self))")
    }
}
