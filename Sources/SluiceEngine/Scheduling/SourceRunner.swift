import SluiceCore
import Synchronization

/// Runs one copy of a source on a thread of its own and is the `SourceOutput` it sends through.
///
/// `send` blocks while any consumer's queue is full (parking on that queue), which is how
/// backpressure reaches files (reading pauses) and, later, network sources.
final class SourceRunner: SourceOutput, QueueSpaceWaiter, @unchecked Sendable {
    let source: any Source
    let metrics: StageMetrics
    let log: StageLog
    let batchSize: Int
    /// Consumers of the source's output. Set while the pipeline is wired, before start.
    var outlets: [Outlet] = []

    private let stopFlag = Atomic<Bool>(false)
    private let wakeup = ConditionLock()
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

    /// Starts the source's thread; `onFinished` runs after the source returned and its end was sent.
    func start(onFinished: @escaping @Sendable () -> Void) {
        startThread { [self] in
            do {
                try source.run(output: self)
            } catch {
                metrics.errors.add(1, ordering: .relaxed)
                log.error("source failed: \(error)")
            }
            for outlet in outlets {
                for copy in outlet.copies { copy.enqueue(.end) }
            }
            onFinished()
        }
    }

    // MARK: SourceOutput

    @discardableResult
    func send(_ batch: EventBatch) -> Bool {
        guard !batch.isEmpty else { return true }
        waitForSpace()
        metrics.eventsOut.add(batch.count, ordering: .relaxed)
        metrics.bytesIn.add(batch.byteCount, ordering: .relaxed)
        for outlet in outlets {
            for (copy, part) in outlet.route(batch, turn: &roundRobinTurn) { copy.enqueue(.batch(part)) }
        }
        // A batch read before a stop is still delivered: stopping must not lose what was read.
        return true
    }

    func reject(_ count: Int, reason: DropReason, message: String) {
        metrics.addDrop(count, reason: reason)
        log.warn(reason: reason, message)
    }

    func sleep(seconds: Double) {
        wakeup.withLock {
            if !isStopping { wakeup.wait(seconds: seconds) }
        }
    }

    func queueHasSpace() {
        wakeup.withLock { wakeup.broadcast() }
    }

    /// Blocks while a consumer's queue is full, unless stopping.
    private func waitForSpace() {
        while !isStopping {
            guard let full = outlets.lazy.flatMap(\.copies).first(where: \.isFull) else { return }
            wakeup.withLock {
                // Parking and waiting under one lock: a wake-up between the two cannot be lost.
                if !isStopping && full.park(self) { wakeup.wait(seconds: 0.5) }
            }
        }
    }
}
