import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Logs problems a stage meets at run time (bad input lines, write failures) through swift-log, with
/// the pipeline and stage (and a drop's reason or counter's name) as metadata, at most `burst` messages
/// per reason per second so a flood of bad input cannot flood the log. Suppressed messages are counted
/// and reported with the next message that gets through (metadata `suppressed`).
public final class StageLog: Sendable {
    public let pipeline: String
    public let stage: String
    private let burst: Int
    private let logger: Logger
    /// Per drop reason or counter name, this second's messages.
    private let state = Mutex<[String: Window]>([:])

    private struct Window {
        var second: Int64
        var printed: Int
        var suppressed: Int
    }

    public init(pipeline: String, stage: String, burst: Int = 5, logger: Logger = Logger(label: "sluice")) {
        self.pipeline = pipeline
        self.stage = stage
        self.burst = burst
        self.logger = logger
    }

    /// The pipeline and stage, as log metadata.
    public var metadata: Logger.Metadata {
        ["pipeline": "\(pipeline)", "stage": "\(stage)"]
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
        let suppressed: Int? = state.withLock { windows in
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
            return suppressedBefore
        }
        guard let suppressed else { return }
        var metadata = metadata
        metadata["reason"] = "\(key)"
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("\(message)", metadata: metadata)
    }

    /// Logs a warning that is not about one input record (a sink writing again after errors, a source
    /// stopping).
    public func warning(_ message: String) {
        logger.warning("\(message)", metadata: metadata)
    }

    /// Logs an error that is not about one input record (a sink that cannot write, say).
    public func error(_ message: String) {
        logger.error("\(message)", metadata: metadata)
    }
}

/// Unbuffered writes to standard error, whole lines at a time.
package enum StandardError {
    package static func write(_ text: String) {
        var text = text
        text.withUTF8 { StandardOutput.writeAll($0, to: 2) }
    }
}

/// Unbuffered writes to standard output (`runner top`, `runner tap`), so what is written is seen at once.
package enum StandardOutput {
    package static func write(_ text: String) {
        var text = text
        text.withUTF8 { writeAll($0, to: 1) }
    }

    package static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { writeAll($0, to: 1) }
    }

    /// Writes every byte unless the descriptor fails.
    static func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
