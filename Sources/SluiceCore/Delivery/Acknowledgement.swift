import Synchronization

/// A source's claim on one unit of input it can confirm (an HTTP request body, a range of a file, a range
/// of Kafka messages): it settles exactly once, when every piece of that input has reached its end, and
/// then calls the source's closure with the outcome.
///
/// An acknowledgement counts holds. Its creator holds the first one; every `AckSet` that carries it (a
/// batch, a window of an aggregate, a sink's pending rows) holds one more. A holder releases its hold
/// with an outcome; when the last hold is released the acknowledgement settles: `delivered` if every hold
/// was released as delivered, otherwise `failed` with the first failure reported.
///
/// ```swift
/// let ack = Acknowledgement { outcome in confirm(position, outcome) }
/// batch.acknowledgements.insert(ack)   // the batch takes a hold
/// output.send(batch)
/// ack.release()                        // the source's own hold: nothing more will carry it
/// ```
public final class Acknowledgement: Sendable {
    private let holds = Atomic<Int>(1)
    private let failure = Mutex<AckFailure?>(nil)
    private let onSettled: @Sendable (AckOutcome) -> Void

    /// An acknowledgement held once, by its creator; `onSettled` is called once, on the thread that
    /// releases the last hold (a worker: keep it short and do not block).
    public init(onSettled: @escaping @Sendable (AckOutcome) -> Void) {
        self.onSettled = onSettled
    }

    /// Takes `count` more holds; each must be released once.
    public func retain(_ count: Int = 1) {
        holds.add(count, ordering: .relaxed)
    }

    /// Releases one hold with `outcome`; the last release settles the acknowledgement.
    public func release(_ outcome: AckOutcome = .delivered) {
        if case .failed(let reason) = outcome {
            failure.withLock { first in
                if first == nil { first = reason }
            }
        }
        let left = holds.subtract(1, ordering: .acquiringAndReleasing).newValue
        assert(left >= 0, "an acknowledgement was released more often than it was held")
        guard left == 0 else { return }
        // The decrements order every release before this one, so the first failure is recorded by now.
        if let reason = failure.withLock({ $0 }) {
            onSettled(.failed(reason))
        } else {
            onSettled(.delivered)
        }
    }

    /// True once the last hold was released.
    public var isSettled: Bool { holds.load(ordering: .acquiring) <= 0 }
}

/// How an acknowledgement settled.
public enum AckOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Every piece reached its end: a sink committed it, a disk buffer fsynced it, or a stage dropped it
    /// on purpose (a filter, a counted drop reason).
    case delivered
    /// A piece was lost for good: a stage's error cost it, a sink failed, or the shutdown limit passed.
    case failed(AckFailure)

    public var description: String {
        switch self {
        case .delivered: return "delivered"
        case .failed(let failure): return "failed: \(failure)"
        }
    }
}

/// Why a piece of input was lost for good: the stage that lost it, the drop reason it was counted under
/// (`stage_error`, `stage_failed`, ...), and what happened.
public struct AckFailure: Sendable, Equatable, CustomStringConvertible {
    /// The stage where the piece was lost.
    public var stage: String
    /// The reason it was counted under.
    public var reason: DropReason
    /// What happened, for a log line or an error response.
    public var message: String

    /// A failure at `stage`, counted under `reason`.
    public init(stage: String, reason: DropReason, message: String) {
        self.stage = stage
        self.reason = reason
        self.message = message
    }

    public var description: String { "stage '\(stage)': \(message) [\(reason)]" }
}
