import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

/// An aggregate holds its input's acknowledgements in the windows the events fell in and hands them to the
/// rows of those windows, so a source hears "delivered" only once the rows summarising its events are
/// written.
@Suite struct WindowedAggregationAcknowledgementTests {
    let recorder = AcknowledgementRecorder()

    @Test func aTumblingWindowsRowsCarryTheAcknowledgementsOfItsEvents() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts }
            metrics: { n: count() }
            """)
        #expect(try harness.process(recorder.batch([timed(1_000), timed(2_000)], number: 0)) == [])
        harness.commit()
        #expect(recorder.outcome(0) == nil)
        // Closes [0, 10 s): its row carries batch 0 and the part of batch 1 that fell in it.
        let rows = try harness.process(recorder.batch([timed(5_000), timed(12_000)], number: 1))
        #expect(rows.map { $0["n"] } == [3])
        #expect(recorder.all.isEmpty)
        harness.commit()
        #expect(recorder.all == [0: .delivered])
        #expect(try harness.finish().map { $0["n"] } == [1])
        harness.commit()
        #expect(recorder.all == [0: .delivered, 1: .delivered])
    }

    @Test func aSlidingPaneHoldsUntilTheLastWindowCoveringItIsEmitted() throws {
        let harness = try AggregateHarness(
            """
            window: { type: sliding, size: 10s, slide: 5s, time_field: ts }
            metrics: { n: count() }
            """)
        // Falls in [0, 10 s) and [−5 s, 5 s)... the pane [0, 5 s) belongs to two windows.
        _ = try harness.process(recorder.batch([timed(1_000)], number: 0))
        // The watermark at 6 s closes [−5 s, 5 s) only: the pane is still needed by [0, 10 s).
        _ = try harness.process(recorder.batch([timed(6_000)], number: 1))
        harness.commit()
        #expect(recorder.all.isEmpty)
        // At 11 s [0, 10 s) closes, the last window of pane [0, 5 s).
        _ = try harness.process(recorder.batch([timed(11_000)], number: 2))
        harness.commit()
        #expect(recorder.all == [0: .delivered])
        _ = try harness.finish()
        harness.commit()
        #expect(recorder.all == [0: .delivered, 1: .delivered, 2: .delivered])
    }

    @Test func aSessionHoldsItsEventsAcknowledgementsThroughMerges() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            window: { type: session, gap: 5s, time_field: ts }
            metrics: { n: count() }
            """)
        _ = try harness.process(recorder.batch([timed(1_000, "a")], number: 0))
        _ = try harness.process(recorder.batch([timed(20_000, "b")], number: 1))
        // Bridges nothing for "a" yet: a's session [1 s, 6 s) closed when b's event moved the watermark.
        harness.commit()
        #expect(recorder.all == [0: .delivered])
        _ = try harness.process(recorder.batch([timed(24_000, "b")], number: 2))
        harness.commit()
        #expect(recorder.all == [0: .delivered])
        #expect(try harness.finish().map { $0["n"] } == [2])
        harness.commit()
        #expect(recorder.all == [0: .delivered, 1: .delivered, 2: .delivered])
    }

    @Test func droppedAndRoutedLateEventsSettleWithTheirBatch() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts }
            on_late: route
            metrics: { n: count() }
            """)
        _ = try harness.process(recorder.batch([timed(25_000)], number: 0))
        // Late (its window ended before the watermark) and without a time: nothing holds them.
        _ = try harness.process(recorder.batch([timed(1_000), Event(["other": 1])], number: 1))
        #expect(harness.routedLate.count == 1)
        #expect(recorder.all.isEmpty)
        harness.commit()
        #expect(recorder.all == [1: .delivered])
        _ = try harness.finish()
        harness.commit()
        #expect(recorder.all == [0: .delivered, 1: .delivered])
    }

    @Test func aGlobalWindowHoldsEverythingUntilTheEnd() throws {
        let harness = try AggregateHarness("metrics: { n: count() }")
        for number in 0..<50 { _ = try harness.process(recorder.batch([timed(.int(Int64(number)))], number: number)) }
        harness.commit()
        #expect(recorder.all.isEmpty)
        #expect(try harness.finish().map { $0["n"] } == [50])
        harness.commit()
        #expect(recorder.all.count == 50)
        #expect(recorder.all.values.allSatisfy { $0 == .delivered })
    }
}
