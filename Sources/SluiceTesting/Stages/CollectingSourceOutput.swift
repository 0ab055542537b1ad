import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `SourceOutput` for tests, to run a source without the engine: keeps every batch and rejection, and stops when told to or after a
/// number of batches. It can record the source's sleeps instead of sleeping (rate-limit tests).
///
/// Safe to read from the test while the source runs on another thread.
public final class CollectingSourceOutput: SourceOutput {
    /// One rejection a source reported.
    public struct Rejection: Sendable, Hashable {
        public var count: Int
        public var reason: DropReason
        public var message: String

        /// `count` records rejected for `reason`, logged as `message`.
        public init(count: Int, reason: DropReason, message: String) {
            self.count = count
            self.reason = reason
            self.message = message
        }
    }

    /// One counted amount a source reported with a message (about input it still sent).
    public struct Note: Sendable, Hashable {
        public var count: Int
        public var counter: StageCounter
        public var message: String

        /// `count` added to `counter`, logged as `message`.
        public init(count: Int, counter: StageCounter, message: String) {
            self.count = count
            self.counter = counter
            self.message = message
        }
    }

    private struct State {
        var batches: [EventBatch] = []
        var rejections: [Rejection] = []
        var notes: [Note] = []
        var sleeps: [Double] = []
        var counters: [StageCounter: Int] = [:]
        var lag: [PartitionLag] = []
        var isStopping = false
    }

    /// The batch size the source is asked for.
    public let batchSize: Int
    /// When false, batches are counted but their events are not kept (for throughput runs).
    public let keepsEvents: Bool
    /// Stops by itself once this many batches arrived.
    private let stopAfterBatches: Int?
    /// When true, `sleep` records its duration and returns at once.
    private let recordsSleeps: Bool
    /// When true, batches sent after `stop` are still kept, as the engine delivers what was read before a stop.
    private let keepsBatchesAfterStop: Bool
    private let state = Mutex(State())

    /// An output asking for batches of `batchSize`; `stopAfterBatches` stops the source by itself,
    /// `recordsSleeps` makes `sleep` return at once, and `keepsBatchesAfterStop` keeps what is sent after
    /// `stop()` (as the engine delivers what a source read before it stopped).
    public init(
        batchSize: Int = 1_000, keepsEvents: Bool = true, stopAfterBatches: Int? = nil, recordsSleeps: Bool = false,
        keepsBatchesAfterStop: Bool = false
    ) {
        self.batchSize = batchSize
        self.keepsEvents = keepsEvents
        self.stopAfterBatches = stopAfterBatches
        self.recordsSleeps = recordsSleeps
        self.keepsBatchesAfterStop = keepsBatchesAfterStop
    }

    /// True after `stop()` or once `stopAfterBatches` batches arrived.
    public var isStopping: Bool {
        state.withLock { state in
            state.isStopping || stopAfterBatches.map { state.batches.count >= $0 } ?? false
        }
    }

    /// Keeps `batch`; false once stopping (unless `keepsBatchesAfterStop`).
    public func send(_ batch: consuming EventBatch) -> Bool {
        state.withLock { state in
            guard !state.isStopping || keepsBatchesAfterStop else { return false }
            state.batches.append(keepsEvents ? batch : EventBatch(events: [], byteCount: batch.byteCount))
            return true
        }
    }

    /// Keeps the rejection.
    public func reject(_ count: Int, reason: DropReason, message: String) {
        state.withLock { $0.rejections.append(Rejection(count: count, reason: reason, message: message)) }
    }

    /// Adds to the counter, and keeps a note when there is a message.
    public func count(_ counter: StageCounter, _ amount: Int, message: String?) {
        state.withLock { state in
            state.counters[counter, default: 0] += amount
            if let message { state.notes.append(Note(count: amount, counter: counter, message: message)) }
        }
    }

    /// Keeps the report, replacing the one before.
    public func recordLag(_ partitions: [PartitionLag]) {
        state.withLock { $0.lag = partitions }
    }

    /// The last lag the source reported.
    public var lag: [PartitionLag] { state.withLock { $0.lag } }

    /// Every counted amount that came with a message, in order.
    public var notes: [Note] { state.withLock { $0.notes } }

    /// Records the duration and, unless `recordsSleeps`, sleeps it (ending early when stopping).
    public func sleep(seconds: Double) {
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
    public func stop() {
        state.withLock { $0.isStopping = true }
    }

    /// Every batch kept, in order.
    public var batches: [EventBatch] { state.withLock { $0.batches } }
    /// Every event kept, in order.
    public var events: [Event] { batches.flatMap(\.events) }
    /// Every rejection, in order.
    public var rejections: [Rejection] { state.withLock { $0.rejections } }
    /// The source's own counters, by name.
    public var counters: [StageCounter: Int] { state.withLock { $0.counters } }
    /// Every duration the source asked to sleep, in order.
    public var sleeps: [Double] { state.withLock { $0.sleeps } }

    /// The number of rejected records, by reason.
    public var rejectionCounts: [DropReason: Int] {
        rejections.reduce(into: [:]) { $0[$1.reason, default: 0] += $1.count }
    }

    /// Polls until `condition` holds, for at most `timeout` seconds; returns whether it held.
    public func wait(timeout: Double = 20, until condition: (CollectingSourceOutput) -> Bool) -> Bool {
        var waited = 0.0
        while !condition(self) {
            guard waited < timeout else { return false }
            usleep(5_000)
            waited += 0.005
        }
        return true
    }
}
