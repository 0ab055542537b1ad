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

    init(processor: any Processor, metrics: StageMetrics, portCount: Int, log: StageLog) {
        self.processor = processor
        self.metrics = metrics
        self.portCount = portCount
        self.log = log
    }
}

/// Counts messages that were enqueued and not yet fully handled, across one pipeline's nodes.
///
/// A node counts the messages its handling emits before it uncounts the message it handled, so while
/// no source sends, zero means every queue is empty and no worker is inside a stage: the pipeline is
/// quiet, and a reload may rebuild it.
final class InFlightCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() {
        count.add(1, ordering: .relaxed)
    }

    func decrement() {
        count.subtract(1, ordering: .releasing)
    }

    var isZero: Bool { count.load(ordering: .acquiring) == 0 }
}
