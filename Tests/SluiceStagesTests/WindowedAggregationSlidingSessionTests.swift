import SluiceCore
import Testing

@testable import SluiceStages

@Suite struct WindowedAggregationSlidingSessionTests {
    @Test func slidingWindowsCountEveryEventInEachWindowThatCoversIt() throws {
        let harness = try AggregateHarness(
            """
            window: { type: sliding, size: 30s, slide: 10s, time_field: ts }
            metrics: { n: count(), total: sum(value) }
            """)
        var emitted = try harness.process([timed(5_000, value: 1), timed(15_000, value: 2), timed(25_000, value: 4)])
        // 25 s passes the end of [-20 s, 10 s) and [-10 s, 20 s).
        #expect(emitted.map { $0["window_start"] } == [-20_000, -10_000])
        #expect(emitted.map { $0["total"] } == [1, 3])
        emitted = try harness.finish()
        #expect(emitted.map { $0["window_start"] } == [0, 10_000, 20_000])
        #expect(emitted.map { $0["total"] } == [7, 6, 4])
    }

    @Test func sessionsCloseAfterTheGapAndMergeWhenAnEventBridgesThem() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            window: { type: session, gap: 10s, time_field: ts, allowed_lateness: 30s }
            metrics: { n: count(), first_value: first(value), last_value: last(value) }
            """)
        #expect(
            try harness.process([
                timed(0, "a", value: 1), timed(18_000, "a", value: 3), timed(4_000, "b", value: 9),
                // [9 s, 19 s) bridges [0, 10 s) and [18 s, 28 s): one session from 0 to 28 s.
                timed(9_000, "a", value: 2),
            ]) == [])
        #expect(
            try harness.process([timed(100_000, "c", value: 0)]) == [
                Event([
                    "category": "a", "window_start": 0, "window_end": 28_000, "n": 3, "first_value": 1,
                    "last_value": 3,
                ]),
                Event([
                    "category": "b", "window_start": 4_000, "window_end": 14_000, "n": 1, "first_value": 9,
                    "last_value": 9,
                ]),
            ])
        #expect(try harness.finish().map { $0["category"] } == ["c"])
    }

    @Test func routesLateEventsToTheLateOutput() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts }
            on_late: route
            metrics: { n: count() }
            """)
        _ = try harness.process([timed(1_000), timed(12_000), timed(3_000, "late")])
        #expect(harness.routedLate == [timed(3_000, "late")])
        #expect(harness.drops.isEmpty)
        let config = try #require(
            readAggregateConfig("window: { type: session, gap: 1s }\non_late: route\nmetrics: { n: count() }").config)
        #expect(config.namedOutputs == ["late"])
    }

    @Test func rejectsASlideLongerThanTheSizeAndOptionsOfOtherWindowTypes() {
        let (_, slide) = readAggregateConfig(
            "window: { type: sliding, size: 10s, slide: 20s }\nmetrics: { n: count() }")
        #expect(
            slide.all.map(\.message) == [
                "option 'slide' (20s) must not be longer than 'size' (10s); windows would leave gaps"
            ])
        let (_, gap) = readAggregateConfig("window: { type: tumbling, size: 10s, gap: 1s }\nmetrics: { n: count() }")
        #expect(gap.all.map(\.message) == ["option 'gap' does not apply to a tumbling window"])
        let (_, panes) = readAggregateConfig("window: { type: sliding, size: 1h, slide: 7ms }\nmetrics: { n: count() }")
        #expect(panes.all.first?.message.hasPrefix("a 1h window sliding by 7ms spans 3600000 panes") == true)
    }
}
