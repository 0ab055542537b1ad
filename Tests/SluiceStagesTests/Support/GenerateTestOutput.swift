import SluiceCore
import Synchronization

/// A `SourceOutput` that keeps what a source sends, records its sleeps instead of sleeping, and can
/// ask the source to stop after a number of batches.
final class GenerateTestOutput: SourceOutput {
    private struct State {
        var batches: [EventBatch] = []
        var sleeps: [Double] = []
    }

    let batchSize: Int
    private let stopAfterBatches: Int?
    private let state = Mutex(State())

    init(batchSize: Int = 100, stopAfterBatches: Int? = nil) {
        self.batchSize = batchSize
        self.stopAfterBatches = stopAfterBatches
    }

    var batches: [EventBatch] { state.withLock { $0.batches } }
    var events: [Event] { batches.flatMap(\.events) }
    var sleeps: [Double] { state.withLock { $0.sleeps } }

    var isStopping: Bool {
        guard let stopAfterBatches else { return false }
        return state.withLock { $0.batches.count >= stopAfterBatches }
    }

    func send(_ batch: consuming EventBatch) -> Bool {
        state.withLock { $0.batches.append(copy batch) }
        return true
    }

    func reject(_ count: Int, reason: DropReason, message: String) {}

    func sleep(seconds: Double) {
        state.withLock { $0.sleeps.append(seconds) }
    }
}
