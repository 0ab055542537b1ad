import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `SourceOutput` for tests: keeps every batch and rejection, and stops when told to or after a
/// number of batches. It can record the source's sleeps instead of sleeping (rate-limit tests).
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
        var sleeps: [Double] = []
        var counters: [StageCounter: Int] = [:]
        var isStopping = false
    }

    let batchSize: Int
    /// When false, batches are counted but their events are not kept (for throughput runs).
    let keepsEvents: Bool
    /// Stops by itself once this many batches arrived.
    private let stopAfterBatches: Int?
    /// When true, `sleep` records its duration and returns at once.
    private let recordsSleeps: Bool
    /// When true, batches sent after `stop` are still kept, as the engine delivers what was read before a stop.
    private let keepsBatchesAfterStop: Bool
    private let state = Mutex(State())

    init(
        batchSize: Int = 1_000, keepsEvents: Bool = true, stopAfterBatches: Int? = nil, recordsSleeps: Bool = false,
        keepsBatchesAfterStop: Bool = false
    ) {
        self.batchSize = batchSize
        self.keepsEvents = keepsEvents
        self.stopAfterBatches = stopAfterBatches
        self.recordsSleeps = recordsSleeps
        self.keepsBatchesAfterStop = keepsBatchesAfterStop
    }

    var isStopping: Bool {
        state.withLock { state in
            state.isStopping || stopAfterBatches.map { state.batches.count >= $0 } ?? false
        }
    }

    func send(_ batch: consuming EventBatch) -> Bool {
        state.withLock { state in
            guard !state.isStopping || keepsBatchesAfterStop else { return false }
            state.batches.append(keepsEvents ? batch : EventBatch(events: [], byteCount: batch.byteCount))
            return true
        }
    }

    func reject(_ count: Int, reason: DropReason, message: String) {
        state.withLock { $0.rejections.append(Rejection(count: count, reason: reason, message: message)) }
    }

    func count(_ counter: StageCounter, _ amount: Int) {
        state.withLock { $0.counters[counter, default: 0] += amount }
    }

    func sleep(seconds: Double) {
        state.withLock { $0.sleeps.append(seconds) }
        if recordsSleeps { return }
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
    /// The source's own counters, by name.
    var counters: [StageCounter: Int] { state.withLock { $0.counters } }
    /// Every duration the source asked to sleep, in order.
    var sleeps: [Double] { state.withLock { $0.sleeps } }

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
