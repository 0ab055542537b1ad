import SluiceCore
import SluiceEngine

/// A wait in a test that reached its deadline before what it waited for happened: thrown, so the test
/// fails at once and says what it was waiting for, instead of hanging or going on in a wrong state.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What the test was waiting for.
    public let what: String
    /// How long it waited.
    public let seconds: Double

    public var description: String {
        "waited \(NumberText.fixed(seconds, decimals: 0)) s for \(what); it never happened"
    }
}

/// Checks `condition` (as `eventually` does) until it holds; throws `WaitTimedOut` when `seconds` pass
/// first. For waiting on a state another thread reaches, never for measuring time.
public func waitUntil(_ what: String, within seconds: Double = 60, _ condition: () throws -> Bool) throws {
    guard try eventually(within: seconds, condition) else { throw WaitTimedOut(what: what, seconds: seconds) }
}

extension RunningPipeline {
    /// Waits until every stage has finished; throws `WaitTimedOut` when `seconds` pass first, after
    /// abandoning the pipeline so that the test's engine can still shut down.
    public func waitFinished(within seconds: Double = 60) throws {
        guard wait(seconds: seconds) else {
            abandon()
            throw WaitTimedOut(what: "pipeline '\(graph.name)' to finish", seconds: seconds)
        }
    }
}
