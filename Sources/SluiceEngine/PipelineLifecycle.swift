import SluiceCore

/// Knows when a pipeline has finished, and lets callers wait for it: it counts the nodes of the current
/// wiring that have not finished yet.
///
/// Each wiring starts a new count. A node of an earlier wiring that a reload replaced never finishes (its
/// stages live on in the new nodes, or were retired), and if it reports anyway it is not counted.
final class PipelineLifecycle: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var generation = 0
    private var unfinished = 0
    private var done = false

    /// Starts counting `nodes`, the unfinished nodes of a new wiring, and hooks their `onFinished`. Call
    /// before any message reaches them.
    func track(_ nodes: [ProcessorNode]) {
        let current = lock.withLock { () -> Int in
            generation += 1
            unfinished = nodes.count
            done = nodes.isEmpty
            if done { lock.broadcast() }
            return generation
        }
        for node in nodes {
            node.onFinished = { [weak self] in self?.nodeFinished(in: current) }
        }
    }

    private func nodeFinished(in wiring: Int) {
        lock.withLock {
            guard wiring == generation else { return }
            unfinished -= 1
            if unfinished == 0 {
                done = true
                lock.broadcast()
            }
        }
    }

    /// True once every node has finished.
    var isFinished: Bool {
        lock.withLock { done }
    }

    /// Blocks until every node has finished.
    func wait() {
        lock.withLock {
            while !done { lock.wait() }
        }
    }

    /// Blocks until every node has finished or `seconds` pass; true when finished.
    func wait(seconds: Double) -> Bool {
        let deadline = SystemClock.monotonicDeadline(afterSeconds: seconds)
        return lock.withLock {
            while !done {
                let now = SystemClock.monotonicNanoseconds()
                guard now < deadline else { return false }
                lock.wait(seconds: Double(deadline - now) / 1e9)
            }
            return true
        }
    }
}
