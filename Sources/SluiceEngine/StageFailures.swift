import SluiceCore
import Synchronization

/// A stage that failed for good while its pipeline ran: a source that threw (it could not read), or a
/// processor that threw `StageFailure` (a sink that gave up).
public struct FailedStage: Sendable, Equatable, CustomStringConvertible {
    public let pipeline: String
    public let stage: String
    /// What the stage said when it failed.
    public let message: String

    public var description: String { "pipeline '\(pipeline)' stage '\(stage)': \(message)" }
}

/// Every stage failure of an engine's pipelines, kept after a pipeline is let go (its file removed), so
/// `runner apply` can still exit 3 for it.
final class FailureLog: Sendable {
    private let entries = Mutex<[FailedStage]>([])

    func record(_ failure: FailedStage) {
        entries.withLock { $0.append(failure) }
    }

    var all: [FailedStage] { entries.withLock { $0 } }
}

/// Work a pipeline has not finished: the events queued before one stage, and the call the stage is
/// inside, if any. What the shutdown report lists as not delivered.
public struct UnfinishedWork: Sendable, Equatable, CustomStringConvertible {
    public let pipeline: String
    public let stage: String
    /// Events waiting in the stage's input queue (all its copies).
    public let queuedEvents: Int
    /// How long the stage has been inside one call (a sink blocked on a pipe nobody reads), if it is.
    public let secondsInCall: Double?

    /// `stage 'out': 16384 events queued; inside one call for 12.5 s`.
    public var summary: String {
        var text = "stage '\(stage)': \(queuedEvents) events queued"
        if let secondsInCall { text += "; inside one call for \(NumberText.fixed(secondsInCall, decimals: 1)) s" }
        return text
    }

    public var description: String { "pipeline '\(pipeline)' \(summary)" }
}
