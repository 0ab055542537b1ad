import SluiceCore

/// A fixed set of worker threads sharing one run queue of nodes that have work.
///
/// A node is in the run queue at most once (its own `scheduled` flag guards that), so at most one
/// worker runs a node at a time: stage state needs no locks.
final class WorkerPool: @unchecked Sendable {
    private let lock = ConditionLock()
    private var runQueue = FIFO<ProcessorNode>()
    private var stopping = false
    private var threads: [pthread_t] = []
    let workerCount: Int

    init(workers: Int) {
        workerCount = max(1, workers)
        for _ in 0..<workerCount {
            threads.append(SystemThread.start(detached: false) { [self] in self.workerLoop() })
        }
    }

    /// Puts a node that has work on the run queue.
    func schedule(_ node: ProcessorNode) {
        lock.withLock {
            runQueue.push(node)
            lock.signal()
        }
    }

    /// Stops the workers once the run queue is empty and waits for them.
    func shutdown() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }

    private func workerLoop() {
        while true {
            let next: ProcessorNode? = lock.withLock {
                while runQueue.isEmpty && !stopping { lock.wait() }
                return runQueue.pop()
            }
            guard let node = next else { return }
            node.runTurn()
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
