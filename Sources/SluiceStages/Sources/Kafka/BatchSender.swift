import SluiceCore

/// Hands a `kafka` source's batches from its poll thread to a thread of their own that sends them, so a
/// `send` blocked by a full pipeline never stops the poll loop, which must keep serving the group
/// (rebalances, commits) and pauses its partitions instead.
///
/// It holds at most `capacity` batches: the poll thread checks `isFull` and reads no more while it is.
final class BatchSender: @unchecked Sendable {
    private let output: any SourceOutput
    private let capacity: Int
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var waiting: [EventBatch] = []
    private var isClosed = false
    private var hasEnded = false

    /// Starts the sending thread for `output`.
    init(output: any SourceOutput, capacity: Int) {
        self.output = output
        self.capacity = max(1, capacity)
        SystemThread.start { [self] in sendUntilClosed() }
    }

    /// True while `capacity` batches wait to be sent.
    var isFull: Bool { lock.withLock { waiting.count >= capacity } }

    /// Queues `batch` to be sent; never blocks.
    func enqueue(_ batch: consuming EventBatch) {
        let batch = batch
        lock.withLock {
            waiting.append(batch)
            lock.broadcast()
        }
    }

    /// Sends what is queued, then ends the sending thread; returns once it has ended.
    func close() {
        lock.withLock {
            isClosed = true
            lock.broadcast()
            while !hasEnded { lock.wait() }
        }
    }

    private func sendUntilClosed() {
        while let batch = next() {
            // Consumed, not copied: the first stage may change the events in place.
            output.send(batch)
        }
    }

    /// The next batch to send, waiting for one; nil once closed and empty (the thread then ends).
    private func next() -> EventBatch? {
        lock.withLock {
            while waiting.isEmpty && !isClosed { lock.wait() }
            guard !waiting.isEmpty else {
                hasEnded = true
                lock.broadcast()
                return nil
            }
            let batch = waiting.removeFirst()
            lock.broadcast()
            return batch
        }
    }
}
