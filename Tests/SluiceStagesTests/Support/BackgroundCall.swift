import Foundation
import SluiceTesting
import Synchronization

/// Runs a sink call on a thread of its own, as an engine worker would, so the test thread can hold a lock
/// meanwhile.
final class BackgroundCall: @unchecked Sendable {
    // `work` runs on the background thread alone; the test thread reads only `outcome`, under its lock.
    private let work: () throws -> ProcessorRun
    private let outcome = Mutex<Result<ProcessorRun, any Error>?>(nil)

    init(_ work: @escaping () throws -> ProcessorRun) {
        self.work = work
        Thread.detachNewThread { [self] in
            let result = Result { try self.work() }
            outcome.withLock { $0 = result }
        }
    }

    var hasReturned: Bool { outcome.withLock { $0 != nil } }

    /// What the call returned, waiting up to `seconds` for it; `nil` if it is still running.
    func wait(seconds: Double = 60) -> Result<ProcessorRun, any Error>? {
        for _ in 0..<Int(seconds * 100) {
            if let result = outcome.withLock({ $0 }) { return result }
            usleep(10_000)
        }
        return outcome.withLock { $0 }
    }
}
