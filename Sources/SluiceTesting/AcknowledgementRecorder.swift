import SluiceCore
import Synchronization

/// Makes numbered acknowledgements and records how each settles, for tests of what holds them.
///
/// ```swift
/// let recorder = AcknowledgementRecorder()
/// let run = try ProcessorHarness(config).run([recorder.batch([event], number: 0)])
/// #expect(recorder.outcome(0) == .delivered)
/// ```
public final class AcknowledgementRecorder: Sendable {
    private let outcomes = Mutex<[Int: AckOutcome]>([:])

    public init() {}

    /// A new acknowledgement numbered `number`, held once by the caller.
    public func acknowledgement(_ number: Int) -> Acknowledgement {
        Acknowledgement { [self] outcome in outcomes.withLock { $0[number] = outcome } }
    }

    /// A batch of `events` carrying a new acknowledgement numbered `number`, which only the batch holds.
    public func batch(_ events: [Event], number: Int) -> EventBatch {
        var batch = EventBatch(events: events)
        let acknowledgement = acknowledgement(number)
        batch.acknowledgements.insert(acknowledgement)
        acknowledgement.release()
        return batch
    }

    /// How acknowledgement `number` settled, or nil while it has not.
    public func outcome(_ number: Int) -> AckOutcome? {
        outcomes.withLock { $0[number] }
    }

    /// Every outcome so far, by number.
    public var all: [Int: AckOutcome] {
        outcomes.withLock { $0 }
    }
}
