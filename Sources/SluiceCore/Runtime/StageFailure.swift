/// Thrown by a stage that cannot go on at all: a source that cannot read its input, a sink that gave up
/// writing (a permanent error, or the shutdown limit passed while it was still retrying).
///
/// Any other error thrown from `process` costs that one batch (counted as `stage_error`); a
/// `StageFailure` marks the whole stage as failed for good. The engine stops feeding it, counts what it
/// could not take as dropped with reason `stage_failed`, and `runner apply` exits with status 3.
public struct StageFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the log: "cannot write 'out/x.ndjson': No space left on device".
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
