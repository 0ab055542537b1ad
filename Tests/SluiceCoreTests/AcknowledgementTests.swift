import SluiceCore
import Synchronization
import Testing

/// Acknowledgements settle once, when their last hold is released, with the first failure if any.
@Suite struct AcknowledgementTests {
    /// Records every call of an acknowledgement's closure.
    final class Settlements: Sendable {
        private let calls = Mutex<[AckOutcome]>([])
        var outcomes: [AckOutcome] { calls.withLock { $0 } }

        func acknowledgement() -> Acknowledgement {
            Acknowledgement { [self] outcome in calls.withLock { $0.append(outcome) } }
        }
    }

    let failure = AckFailure(stage: "out", reason: .stageError, message: "disk on fire")

    @Test func settlesDeliveredOnceWhenTheLastHoldIsReleased() {
        let settlements = Settlements()
        let ack = settlements.acknowledgement()
        ack.retain(2)
        ack.release()
        ack.release()
        #expect(settlements.outcomes.isEmpty)
        #expect(!ack.isSettled)
        ack.release()
        #expect(settlements.outcomes == [.delivered])
        #expect(ack.isSettled)
    }

    @Test func aFailedHoldFailsTheWholeAcknowledgementWithTheFirstReason() {
        let settlements = Settlements()
        let ack = settlements.acknowledgement()
        ack.retain(2)
        ack.release(.failed(failure))
        ack.release(.failed(AckFailure(stage: "other", reason: .stageFailed, message: "later")))
        ack.release()
        #expect(settlements.outcomes == [.failed(failure)])
    }

    @Test func holdsReleasedOnManyThreadsSettleExactlyOnce() async {
        let settlements = Settlements()
        let ack = settlements.acknowledgement()
        ack.retain(10_000)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1_250 { ack.release() }
                }
            }
        }
        #expect(settlements.outcomes.isEmpty)
        ack.release()
        #expect(settlements.outcomes == [.delivered])
    }

    @Test func anEmptySetHoldsNothingAndReleasesNothing() {
        let set = AckSet()
        #expect(set.isEmpty)
        #expect(set.retained().isEmpty)
        set.release(.failed(failure))
        #expect(EventBatch().acknowledgements.isEmpty)
    }

    @Test func insertTakesOneHoldPerAcknowledgementAndReleaseGivesThemBack() {
        let settlements = Settlements()
        let ack = settlements.acknowledgement()
        var set = AckSet()
        set.insert(ack)
        set.insert(ack)
        #expect(set.count == 1)
        ack.release()  // the creator's hold
        #expect(settlements.outcomes.isEmpty)
        set.release()
        #expect(settlements.outcomes == [.delivered])
    }

    @Test func retainedCopiesAreIndependentHolds() {
        let settlements = Settlements()
        let ack = settlements.acknowledgement()
        var first = AckSet()
        first.insert(ack)
        ack.release()
        let second = first.retained()
        first.release()
        #expect(settlements.outcomes.isEmpty)
        second.release(.failed(failure))
        #expect(settlements.outcomes == [.failed(failure)])
    }

    @Test func mergeTakesOverHoldsAndGivesBackDuplicates() {
        let settlements = Settlements()
        let (a, b) = (settlements.acknowledgement(), settlements.acknowledgement())
        var left = AckSet()
        left.insert(a)
        var right = AckSet()
        right.insert(a)
        right.insert(b)
        a.release()
        b.release()
        left.merge(right)
        #expect(left.count == 2)
        #expect(settlements.outcomes.isEmpty)
        left.release()
        #expect(settlements.outcomes == [.delivered, .delivered])
    }
}
