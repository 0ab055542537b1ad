import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Logs problems a stage meets at run time (bad input lines, write failures) to standard error,
/// at most `burst` messages per reason per second so a flood of bad input cannot flood the log.
/// Suppressed messages are counted and reported with the next message that gets through.
public final class StageLog: Sendable {
    public let pipeline: String
    public let stage: String
    private let burst: Int
    /// Per drop reason or counter name, this second's messages.
    private let state = Mutex<[String: Window]>([:])

    private struct Window {
        var second: Int64
        var printed: Int
        var suppressed: Int
    }

    public init(pipeline: String, stage: String, burst: Int = 5) {
        self.pipeline = pipeline
        self.stage = stage
        self.burst = burst
    }

    /// Logs a warning about input dropped for `reason`.
    public func warn(reason: DropReason, _ message: String) {
        warn(key: reason.rawValue, message)
    }

    /// Logs a warning about input counted under `counter` (and passed on).
    public func warn(counter: StageCounter, _ message: String) {
        warn(key: counter.rawValue, message)
    }

    private func warn(key: String, _ message: String) {
        let second = Int64(time(nil))
        let line: String? = state.withLock { windows in
            var window = windows[key] ?? Window(second: second, printed: 0, suppressed: 0)
            var suppressedBefore = 0
            if window.second != second {
                suppressedBefore = window.suppressed
                window = Window(second: second, printed: 0, suppressed: 0)
            }
            defer { windows[key] = window }
            guard window.printed < burst else {
                window.suppressed += 1
                return nil
            }
            window.printed += 1
            let note = suppressedBefore > 0 ? " (\(suppressedBefore) similar messages suppressed)" : ""
            return "warning: pipeline '\(pipeline)' stage '\(stage)': \(message) [\(key)]\(note)\n"
        }
        if let line { StandardError.write(line) }
    }

    /// Logs a warning that is not about one input record (a sink writing again after errors, say).
    public func warning(_ message: String) {
        StandardError.write("warning: pipeline '\(pipeline)' stage '\(stage)': \(message)\n")
    }

    /// Logs an error that is not about one input record (a sink that cannot write, say).
    public func error(_ message: String) {
        StandardError.write("error: pipeline '\(pipeline)' stage '\(stage)': \(message)\n")
    }
}

/// Unbuffered writes to standard error, whole lines at a time.
package enum StandardError {
    package static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
