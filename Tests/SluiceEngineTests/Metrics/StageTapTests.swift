import SluiceCore
import Testing

@testable import SluiceEngine

/// The tap: free while nobody listens, bounded per reader, never holding the one who offers.
@Suite struct StageTapTests {
    func batch(_ ids: Range<Int>) -> EventBatch {
        EventBatch(events: ids.map { Event(["id": .int(Int64($0))]) })
    }

    func ids(_ events: [Event]) -> [Int64] {
        events.compactMap { if case .int(let id)? = $0[FieldName("id")] { id } else { nil } }
    }

    @Test func aTapNobodyListensToIsNotTapped() {
        let tap = StageTap()
        #expect(!tap.isTapped)
        let subscription = tap.subscribe(rate: 100, capacity: 10)
        #expect(tap.isTapped)
        subscription.cancel()
        #expect(!tap.isTapped)
    }

    @Test func aReaderThatDoesNotTakeLosesWhatDoesNotFitItsBuffer() {
        let tap = StageTap()
        let subscription = tap.subscribe(rate: 1_000_000, capacity: 3)
        tap.offer(batch(0..<10))
        tap.offer(batch(10..<20))
        let (events, lost) = subscription.take()
        #expect(ids(events) == [0, 1, 2])
        #expect(lost == 17)
        // Taking makes room again.
        tap.offer(batch(20..<22))
        #expect(ids(subscription.take().events) == [20, 21])
    }

    @Test func theRateCapsWhatOneReaderGets() {
        let tap = StageTap()
        let slow = tap.subscribe(rate: 5, capacity: 1_000)
        let fast = tap.subscribe(rate: 1_000_000, capacity: 1_000)
        tap.offer(batch(0..<100))
        // The bucket starts full: at most one second's worth at once, the rest skipped (not lost).
        #expect(ids(slow.take().events) == [0, 1, 2, 3, 4])
        #expect(slow.take().lost == 0)
        #expect(fast.take().events.count == 100)
    }

    @Test func aSubscriptionLetGoStopsTheTap() {
        let tap = StageTap()
        do {
            let subscription = tap.subscribe(rate: 10, capacity: 10)
            #expect(tap.isTapped)
            _ = subscription
        }
        #expect(!tap.isTapped)
    }
}
