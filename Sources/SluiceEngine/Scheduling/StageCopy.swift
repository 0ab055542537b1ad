import SluiceCore
import Synchronization

/// One running copy of a processor stage: the stage's runtime object and what the engine knows about
/// it. It outlives the node that runs it, so a reload that keeps the stage keeps its state.
final class StageCopy: @unchecked Sendable {
    let processor: any Processor
    let metrics: StageMetrics
    let portCount: Int
    let log: StageLog
    /// Set once `finish` has been called. Touched only by the worker holding the node's turn, or by a
    /// reload while the pipeline is quiet.
    var finished = false
    private let failedFlag = Atomic<Bool>(false)
    private let callStartedAt = Atomic<UInt64>(0)

    init(processor: any Processor, metrics: StageMetrics, portCount: Int, log: StageLog) {
        self.processor = processor
        self.metrics = metrics
        self.portCount = portCount
        self.log = log
    }

    /// True once the stage threw `StageFailure`: the engine never calls it again.
    var hasFailed: Bool { failedFlag.load(ordering: .acquiring) }

    /// Marks the stage failed for good; true the first time only.
    func markFailed() -> Bool {
        !failedFlag.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// Notes that a call into the stage starts, so a shutdown report can name a stage stuck inside one
    /// call (a sink blocked on a pipe nobody reads).
    func callStarts() {
        callStartedAt.store(max(1, SystemClock.monotonicNanoseconds()), ordering: .relaxed)
    }

    /// Notes that the call into the stage returned.
    func callEnded() {
        callStartedAt.store(0, ordering: .relaxed)
    }

    /// How long the call in progress has lasted, or nil between calls.
    var secondsInCall: Double? {
        let started = callStartedAt.load(ordering: .relaxed)
        guard started != 0 else { return nil }
        return Double(SystemClock.monotonicNanoseconds() &- started) / 1e9
    }
}

/// Counts messages that were enqueued and not yet fully handled, across one pipeline's nodes.
///
/// A node counts the messages its handling emits before it uncounts the message it handled, so while
/// no source sends, zero means every queue is empty and no worker is inside a stage: the pipeline is
/// quiet, and a reload may rebuild it. Reaching zero wakes whoever waits for it, so a reload sleeps
/// instead of spinning.
final class InFlightCounter: Sendable {
    private let count = Atomic<Int>(0)
    private let waiters = Atomic<Int>(0)
    private let zero = ConditionLock()

    func increment() {
        count.add(1, ordering: .relaxed)
    }

    func decrement() {
        // Sequentially consistent with `waitForZero`'s registration: either the waiter sees zero, or this
        // side sees the waiter and wakes it under the lock, so a wake-up cannot fall between the two.
        guard count.subtract(1, ordering: .sequentiallyConsistent).newValue == 0,
            waiters.load(ordering: .sequentiallyConsistent) > 0
        else { return }
        zero.withLock { zero.broadcast() }
    }

    var isZero: Bool { count.load(ordering: .acquiring) == 0 }

    /// Sleeps until the count is zero or `seconds` pass; true when it reached zero.
    func waitForZero(seconds: Double) -> Bool {
        waiters.add(1, ordering: .sequentiallyConsistent)
        defer { waiters.subtract(1, ordering: .sequentiallyConsistent) }
        let deadline = SystemClock.monotonicDeadline(afterSeconds: seconds)
        return zero.withLock {
            while count.load(ordering: .sequentiallyConsistent) != 0 {
                let now = SystemClock.monotonicNanoseconds()
                guard now < deadline else { return false }
                zero.wait(seconds: Double(deadline - now) / 1e9)
            }
            return true
        }
    }
}
