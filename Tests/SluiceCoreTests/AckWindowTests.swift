import SluiceCore
import Testing

/// A source never confirms a position beyond the lowest contiguous delivered one.
@Suite struct AckWindowTests {
    @Test func confirmsOnlyTheContiguousRunOfDeliveredUnits() {
        let window = AckWindow(confirmed: 0)
        let first = window.register(endingAt: 100)
        let second = window.register(endingAt: 250)
        let third = window.register(endingAt: 300)
        #expect(window.settle(third, .delivered) == nil)
        #expect(window.confirmed == 0)
        #expect(window.settle(first, .delivered) == 100)
        #expect(window.settle(second, .delivered) == 300)
        #expect(window.confirmed == 300)
        #expect(window.pendingCount == 0)
    }

    @Test func aFailedUnitHoldsThePositionSoARestartReadsItAgain() {
        let window = AckWindow(confirmed: 10)
        let first = window.register(endingAt: 20)
        let second = window.register(endingAt: 30)
        let third = window.register(endingAt: 40)
        let failure = AckFailure(stage: "out", reason: .stageFailed, message: "gone")
        window.settle(first, .delivered)
        window.settle(second, .failed(failure))
        window.settle(third, .delivered)
        #expect(window.confirmed == 20)
        #expect(window.blockingFailure == failure)
        #expect(window.pendingCount == 2)
    }

    @Test func settlingTwiceOrAnUnknownSequenceChangesNothing() {
        let window = AckWindow(confirmed: 0)
        let only = window.register(endingAt: 5)
        #expect(window.settle(only + 1, .delivered) == nil)
        #expect(window.settle(only, .delivered) == 5)
        #expect(window.settle(only, .delivered) == nil)
        #expect(window.confirmed == 5)
    }

    @Test func acknowledgementsSettleTheirUnits() {
        let window = AckWindow(confirmed: 0)
        let acks = (1...200).map { window.acknowledgement(endingAt: $0 * 10) }
        // Settled from the last to the first: the position moves only at the end, all the way.
        for ack in acks.dropFirst().reversed() { ack.release() }
        #expect(window.confirmed == 0)
        acks[0].release()
        #expect(window.confirmed == 2_000)
        #expect(window.pendingCount == 0)
        let next = window.register(endingAt: 2_010)
        #expect(window.settle(next, .delivered) == 2_010)
    }
}
