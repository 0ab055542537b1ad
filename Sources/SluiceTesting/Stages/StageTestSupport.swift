import Foundation
import SluiceCore
import Synchronization

/// Builds the source runtime of stage `stage` from option `pairs`, for a stage named `under_test`.
public func makeSource<S: SourceStage>(_ stage: S.Type, _ pairs: [(String, String)]) throws -> any Source {
    try makeSource(try readConfig(stage, pairs).get())
}

/// Builds the source runtime of `config`, for a stage named `under_test`.
public func makeSource(_ config: some SourceConfig) throws -> any Source {
    let context = StageContext(
        pipeline: "test", stage: "under_test", log: StageLog(pipeline: "test", stage: "under_test"))
    return try config.makeSource(context: context)
}

/// A failed test precondition.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String

    /// A failure that says `description`.
    public init(_ description: String) { self.description = description }
}

/// A source running on a thread of its own, as the engine runs it.
public final class RunningSource: Sendable {
    private let finished = Mutex<Result<Void, any Error>?>(nil)

    /// Starts `source.run(output:)` on a new thread.
    public init(_ source: any Source, output: CollectingSourceOutput) {
        Thread.detachNewThread { [self] in
            let result = Result { try source.run(output: output) }
            self.finished.withLock { $0 = result }
        }
    }

    /// Waits for `run` to return, for at most `timeout` seconds; its result, or `nil` on timeout.
    public func wait(timeout: Double = 20) -> Result<Void, any Error>? {
        var waited = 0.0
        while waited < timeout {
            if let result = finished.withLock({ $0 }) { return result }
            usleep(5_000)
            waited += 0.005
        }
        return nil
    }
}

/// Polls `condition` until it holds, for at most `seconds`; returns whether it held. For waiting on a
/// state another thread or process reaches, never for asserting on timing.
public func eventually(within seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
