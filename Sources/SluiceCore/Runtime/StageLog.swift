import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Logs problems a stage meets at run time (bad input lines, write failures) through swift-log, with
/// the pipeline and stage (and a drop's reason) as metadata, at most `burst` messages per reason per
/// second so a flood of bad input cannot flood the log. Suppressed messages are counted and reported
/// with the next message that gets through (metadata `suppressed`).
public final class StageLog: Sendable {
    public let pipeline: String
    public let stage: String
    private let burst: Int
    private let logger: Logger
    private let state = Mutex<[DropReason: Window]>([:])

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
        let second = Int64(time(nil))
        let suppressed: Int? = state.withLock { windows in
            var window = windows[reason] ?? Window(second: second, printed: 0, suppressed: 0)
            var suppressedBefore = 0
            if window.second != second {
                suppressedBefore = window.suppressed
                window = Window(second: second, printed: 0, suppressed: 0)
            }
            defer { windows[reason] = window }
            guard window.printed < burst else {
                window.suppressed += 1
                return nil
            }
            window.printed += 1
            return suppressedBefore
        }
        guard let suppressed else { return }
        var metadata = metadata
        metadata["reason"] = "\(reason)"
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.warning("\(message)", metadata: metadata)
    }

    /// Logs an error that is not about one input record (a sink that cannot write, say).
    public func error(_ message: String) {
        logger.error("\(message)", metadata: metadata)
    }

    /// Logs a warning that is not about one input record (a source stopping, say).
    public func warning(_ message: String) {
        logger.warning("\(message)", metadata: metadata)
    }
}

/// Unbuffered writes to standard error, whole lines at a time.
public enum StandardError {
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { StandardOutput.writeAll($0, to: 2) }
    }
}

/// Unbuffered writes to standard output (`runner top`, `runner tap`), so what is written is seen at once.
public enum StandardOutput {
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { writeAll($0, to: 1) }
    }

    public static func write(_ bytes: [UInt8]) {
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
