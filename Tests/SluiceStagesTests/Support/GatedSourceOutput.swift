import SluiceCore
import SluiceTesting
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `SourceOutput` whose `send` blocks until the test opens it (or lets a number of sends through), as
/// a full pipeline does.
final class GatedSourceOutput: SourceOutput {
    private let inner = CollectingSourceOutput(batchSize: 1_000)
    /// How many more sends may pass without waiting.
    private let allowance = Atomic<Int>(0)
    private let blocked = Atomic<Int>(0)

    var batchSize: Int { inner.batchSize }
    var isStopping: Bool { inner.isStopping }
    var events: [Event] { inner.events }
    var rejections: [CollectingSourceOutput.Rejection] { inner.rejections }
    var counters: [StageCounter: Int] { inner.counters }
    /// The number of sends that had to wait for the gate.
    var blockedSends: Int { blocked.load(ordering: .relaxed) }

    /// Lets blocked and later sends through.
    func open() { allowance.store(.max, ordering: .relaxed) }

    /// Lets `count` more sends through (a blocked one first); the one after them waits again.
    func allow(_ count: Int) { allowance.add(count, ordering: .relaxed) }

    /// Stops the pipeline: blocked and later sends return false.
    func stop() { inner.stop() }

    func send(_ batch: consuming EventBatch) -> Bool {
        if !takeAllowance() {
            blocked.add(1, ordering: .relaxed)
            while !takeAllowance() && !inner.isStopping { usleep(1_000) }
        }
        return inner.send(batch)
    }

    /// Takes one send from the allowance; false when there is none.
    private func takeAllowance() -> Bool {
        var current = allowance.load(ordering: .relaxed)
        while current > 0 {
            let next = current == .max ? current : current - 1
            let (exchanged, original) = allowance.compareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func reject(_ count: Int, reason: DropReason, message: String) {
        inner.reject(count, reason: reason, message: message)
    }

    func count(_ counter: StageCounter, _ amount: Int, message: String?) {
        inner.count(counter, amount, message: message)
    }

    func sleep(seconds: Double) { inner.sleep(seconds: seconds) }

    func recordLag(_ partitions: [PartitionLag]) { inner.recordLag(partitions) }

    /// Polls until `condition` holds, for at most 20 seconds; returns whether it held.
    func wait(until condition: () -> Bool) -> Bool {
        var polls = 0
        while !condition() && polls < 4_000 {
            usleep(5_000)
            polls += 1
        }
        return condition()
    }
}
