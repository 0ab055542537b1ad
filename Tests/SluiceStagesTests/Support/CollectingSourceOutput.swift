import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `SourceOutput` for tests: keeps every batch and rejection, and stops when told to.
///
/// Safe to read from the test while the source runs on another thread.
final class CollectingSourceOutput: SourceOutput {
    /// One rejection a source reported.
    struct Rejection: Sendable, Hashable {
        var count: Int
        var reason: DropReason
        var message: String
    }

    private struct State {
        var batches: [EventBatch] = []
        var rejections: [Rejection] = []
        var isStopping = false
    }

    let batchSize: Int
    /// When false, batches are counted but their events are not kept (for throughput runs).
    let keepsEvents: Bool
    private let state = Mutex(State())

    init(batchSize: Int = 1_000, keepsEvents: Bool = true) {
        self.batchSize = batchSize
        self.keepsEvents = keepsEvents
    }

    var isStopping: Bool { state.withLock { $0.isStopping } }

    func send(_ batch: consuming EventBatch) -> Bool {
        state.withLock { state in
            guard !state.isStopping else { return false }
            state.batches.append(keepsEvents ? batch : EventBatch(events: [], byteCount: batch.byteCount))
            return true
        }
    }

    func reject(_ count: Int, reason: DropReason, message: String) {
        state.withLock { $0.rejections.append(Rejection(count: count, reason: reason, message: message)) }
    }

    func sleep(seconds: Double) {
        // Short naps so a stop request ends the wait promptly.
        var remaining = seconds
        while remaining > 0 && !isStopping {
            usleep(UInt32(min(remaining, 0.005) * 1_000_000))
            remaining -= 0.005
        }
    }

    /// Makes `isStopping` true and refuses further batches.
    func stop() {
        state.withLock { $0.isStopping = true }
    }

    var batches: [EventBatch] { state.withLock { $0.batches } }
    var events: [Event] { batches.flatMap(\.events) }
    var rejections: [Rejection] { state.withLock { $0.rejections } }

    /// The number of rejected records, by reason.
    var rejectionCounts: [DropReason: Int] {
        rejections.reduce(into: [:]) { $0[$1.reason, default: 0] += $1.count }
    }

    /// Polls until `condition` holds, for at most `timeout` seconds; returns whether it held.
    func wait(timeout: Double = 20, until condition: (CollectingSourceOutput) -> Bool) -> Bool {
        var waited = 0.0
        while !condition(self) {
            guard waited < timeout else { return false }
            usleep(5_000)
            waited += 0.005
        }
        return true
    }
}
