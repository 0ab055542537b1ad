import SluiceCore
import Synchronization

/// Runs one copy of a source on a thread of its own and is the `SourceOutput` it sends through.
///
/// `send` blocks while any consumer's queue is full (parking on that queue), which is how
/// backpressure reaches files (reading pauses) and, later, network sources. A reload pauses the source
/// (`send` blocks until `resume`) while it rewires the consumers.
final class SourceRunner: SourceOutput, QueueSpaceWaiter, @unchecked Sendable {
    let source: any Source
    let metrics: StageMetrics
    let log: StageLog
    let batchSize: Int

    private let stopFlag = Atomic<Bool>(false)
    private let wakeup = ConditionLock()
    // Guarded by `wakeup`.
    private var paused = false
    private var sending = false
    private var consumers: [Outlet] = []
    private var ended = false
    // Touched only by the source's thread.
    private var roundRobinTurn = 0

    init(source: any Source, metrics: StageMetrics, log: StageLog, batchSize: Int) {
        self.source = source
        self.metrics = metrics
        self.log = log
        self.batchSize = batchSize
    }

    var isStopping: Bool { stopFlag.load(ordering: .acquiring) }

    /// Asks the source to stop; a blocked `send` or `sleep` returns promptly.
    func stop() {
        stopFlag.store(true, ordering: .releasing)
        wakeup.withLock { wakeup.broadcast() }
    }

    /// The consumers of the source's output. Set while the pipeline is wired (before start, or while
    /// paused by a reload).
    var outlets: [Outlet] {
        get { wakeup.withLock { consumers } }
        set { wakeup.withLock { consumers = newValue } }
    }

    /// True once the source has returned and told its consumers.
    var hasEnded: Bool { wakeup.withLock { ended } }

    /// Starts the source's thread. When the source returns, its consumers get an `end`. A source that
    /// throws has failed for good, whatever it threw (a source cannot skip one batch the way a processor
    /// can): `onFailure` hears of it before the `end` goes out.
    func start(onFailure: @escaping @Sendable (StageFailure) -> Void) {
        SystemThread.start { [self] in
            do {
                try source.run(output: self)
            } catch {
                metrics.errors.add(1, ordering: .relaxed)
                onFailure(error as? StageFailure ?? StageFailure("\(error)"))
            }
            // Ending under the lock: a reload that pauses the source sees either the end sent to the
            // old consumers, or a source that has not ended and whose consumers it may replace.
            wakeup.withLock {
                while paused { wakeup.wait() }
                ended = true
                for outlet in consumers {
                    for copy in outlet.copies { copy.enqueue(.end) }
                }
            }
        }
    }

    /// Blocks new sends and waits for a send in progress to finish enqueuing.
    func pause() {
        wakeup.withLock {
            paused = true
            while sending { wakeup.wait() }
        }
    }

    /// Lets sends continue.
    func resume() {
        wakeup.withLock {
            paused = false
            wakeup.broadcast()
        }
    }

    // MARK: SourceOutput

    @discardableResult
    func send(_ batch: consuming EventBatch) -> Bool {
        guard !batch.isEmpty else {
            batch.acknowledgements.take().release()
            return true
        }
        let targets = waitForSpace()
        metrics.eventsOut.add(batch.count, ordering: .relaxed)
        metrics.bytesIn.add(batch.byteCount, ordering: .relaxed)
        if metrics.tap.isTapped { metrics.tap.offer(batch) }
        targets.send(consume batch, turn: &roundRobinTurn)
        wakeup.withLock {
            sending = false
            wakeup.broadcast()
        }
        // A batch read before a stop is still delivered: stopping must not lose what was read.
        return true
    }

    func reject(_ count: Int, reason: DropReason, message: String) {
        metrics.addDrop(count, reason: reason)
        log.warn(reason: reason, message)
    }

    func count(_ counter: StageCounter, _ amount: Int, message: String?) {
        guard amount > 0 else { return }
        metrics.addCounters([counter: amount])
        if let message { log.warn(counter: counter, message) }
    }

    func recordLag(_ partitions: [PartitionLag]) {
        metrics.partitionLag.withLock { $0 = partitions }
    }

    func sleep(seconds: Double) {
        wakeup.withLock {
            if !isStopping { wakeup.wait(seconds: seconds) }
        }
    }

    func queueHasSpace() {
        wakeup.withLock { wakeup.broadcast() }
    }

    /// Blocks while paused, and while a consumer's queue is full unless stopping; then marks a send in
    /// progress and returns the consumers to send to.
    private func waitForSpace() -> [Outlet] {
        wakeup.withLock {
            while true {
                if paused {
                    wakeup.wait()
                    continue
                }
                // Parking and waiting under one lock: a wake-up between the two cannot be lost.
                if !isStopping, let full = consumers.lazy.flatMap(\.copies).first(where: \.isFull), full.park(self) {
                    wakeup.wait(seconds: 0.5)
                    continue
                }
                sending = true
                return consumers
            }
        }
    }
}
