import SluiceCore
import Testing

@testable import SluiceStages

@Suite struct WindowedAggregationWindowTests {
    static let tumbling10s = """
        group_by: [category]
        window: { type: tumbling, size: 10s, time_field: ts }
        metrics:
          count: count()
          total: sum(value)
          avg_value: avg(value)
          smallest: min(value)
          largest: max(value)
        """

    @Test func computesCountSumAvgMinMaxPerGroupAndWindow() throws {
        let harness = try AggregateHarness(Self.tumbling10s)
        let emitted = try harness.process([
            timed(1_000, "games", value: 4), timed(2_000, "books", value: 3), timed(3_000, "games", value: 10),
            timed(9_999, "games", value: 1), timed(12_000, "books", value: 7),
        ])
        // The event at 12 s moves the watermark past the first window's end.
        #expect(
            emitted == [
                Event([
                    "category": "books", "window_start": 0, "window_end": 10_000, "count": 1, "total": 3,
                    "avg_value": 3.0, "smallest": 3, "largest": 3,
                ]),
                Event([
                    "category": "games", "window_start": 0, "window_end": 10_000, "count": 3, "total": 15,
                    "avg_value": 5.0, "smallest": 1, "largest": 10,
                ]),
            ])
        #expect(
            try harness.finish() == [
                Event([
                    "category": "books", "window_start": 10_000, "window_end": 20_000, "count": 1, "total": 7,
                    "avg_value": 7.0, "smallest": 7, "largest": 7,
                ])
            ])
    }

    @Test func emitsAWindowExactlyWhenTheWatermarkReachesItsEnd() throws {
        let harness = try AggregateHarness(Self.tumbling10s)
        #expect(try harness.process([timed(500, "a", value: 1), timed(9_999, "a", value: 2)]) == [])
        #expect(try harness.process([timed(5_000, "a", value: 3)]) == [])
        let emitted = try harness.process([timed(10_000, "a", value: 4)])
        #expect(emitted.map { $0["window_end"] } == [10_000])
        #expect(emitted.first?["total"] == 6)
        #expect(try harness.finish().map { $0["total"] } == [4])
    }

    @Test func countsOutOfOrderEventsWithinTheAllowedLateness() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts, allowed_lateness: 3s }
            metrics: { n: count() }
            """)
        #expect(try harness.process([timed(9_000), timed(12_000)]) == [])
        // The watermark is 12 s − 3 s = 9 s: the first window is still open for this straggler.
        #expect(try harness.process([timed(8_000)]) == [])
        let emitted = try harness.process([timed(13_000)])
        #expect(emitted == [Event(["window_start": 0, "window_end": 10_000, "n": 2])])
        #expect(harness.drops.isEmpty)
    }

    @Test func dropsAndCountsEventsForAnEmittedWindow() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts, allowed_lateness: 1s }
            metrics: { n: count() }
            """)
        #expect(try harness.process([timed(1_000), timed(11_000)]).map { $0["n"] } == [1])
        let emitted = try harness.process([timed(9_999), timed(10_500), timed(2_000)])
        #expect(emitted == [])
        #expect(harness.drops == [.late: 2])
        #expect(try harness.finish() == [Event(["window_start": 10_000, "window_end": 20_000, "n": 2])])
    }

    @Test func flushesEveryOpenWindowAtFinishInStartOrder() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 1s, time_field: ts, allowed_lateness: 1h }
            metrics: { n: count() }
            """)
        #expect(try harness.process([timed(5_500), timed(2_100), timed(-300), timed(2_900)]) == [])
        let flushed = try harness.finish()
        #expect(flushed.map { $0["window_start"] } == [-1_000, 2_000, 5_000])
        #expect(flushed.map { $0["n"] } == [1, 2, 1])
    }

    @Test func emitsGroupsSortedByTheirValues() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category, value]
            metrics: { n: count() }
            """)
        _ = try harness.process([
            timed(0, "b", value: 2), timed(0, "a", value: "x"), timed(0, "b", value: 1.5), timed(0, nil, value: 1),
            timed(0, "a", value: 3),
        ])
        let keys = try harness.finish().map { [$0["category"]!, $0["value"]!] }
        #expect(keys == [[.null, 1], ["a", 3], ["a", "x"], ["b", 1.5], ["b", 2]])
    }

    @Test func readsRFC3339TimesWithOffsetsAndFractions() throws {
        let harness = try AggregateHarness(Self.tumbling10s)
        let emitted = try harness.process([
            timed("2024-05-01T12:00:00Z", "a", value: 1),
            timed("2024-05-01T14:00:09.999+02:00", "a", value: 2),
            timed("2024-05-01T07:00:10-05:00", "a", value: 4),
        ])
        let flushed = try emitted + harness.finish()
        #expect(flushed.map { $0["window_start"] } == [1_714_564_800_000, 1_714_564_810_000])
        #expect(flushed.map { $0["total"] } == [3, 4])
    }

    @Test func readsEpochSecondsAsIntsDoublesAndDigitStrings() throws {
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 1m, time_field: ts, time_unit: s }
            metrics: { n: count() }
            """)
        let emitted = try harness.process([timed(1_714_564_800), timed(1_714_564_859.9), timed("1714564860")])
        #expect(
            try emitted + harness.finish() == [
                Event(["window_start": 1_714_564_800_000, "window_end": 1_714_564_860_000, "n": 2]),
                Event(["window_start": 1_714_564_860_000, "window_end": 1_714_564_920_000, "n": 1]),
            ])
    }

    @Test func dropsAndCountsEventsWithoutAUsableTimeAndKeepsTheOthers() throws {
        let harness = try AggregateHarness(Self.tumbling10s)
        var noTime = Event()
        noTime["category"] = "a"
        _ = try harness.process([
            timed(1_000, "a", value: 1), noTime, timed("yesterday", "a"), timed("2024-02-30T00:00:00Z", "a"),
            timed(.bool(true), "a"), timed(.null, "a"), timed(2_000, "a", value: 2),
        ])
        #expect(harness.drops == [.missingTime: 5])
        #expect(try harness.finish().map { $0["count"] } == [2])
    }

    @Test func globalWindowEmitsOneEventPerGroupWithoutBoundsAtFinish() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            window: { type: global }
            metrics: { n: count(), total: sum(value) }
            """)
        #expect(try harness.process([timed(1, "b", value: 1), timed(.null, "a", value: 2)]) == [])
        #expect(try harness.process([timed(2, "b", value: 3.5)]) == [])
        #expect(
            try harness.finish() == [
                Event(["category": "a", "n": 1, "total": 2]), Event(["category": "b", "n": 2, "total": 4.5]),
            ])
        #expect(harness.drops.isEmpty)
    }

    @Test func withoutGroupByAllEventsFormOneGroup() throws {
        let harness = try AggregateHarness("metrics: { n: count(), total: sum(value) }")
        _ = try harness.process([timed(1, "a", value: 1), timed(2, "b", value: 2), timed(3, nil, value: 3)])
        #expect(try harness.finish() == [Event(["n": 3, "total": 6])])
    }

    @Test func numericMetricsSkipNonNumbersAndKeepTheirType() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            metrics: { n: count(), total: sum(value), mean: avg(value), low: min(value), high: max(value) }
            """)
        _ = try harness.process([
            timed(0, "ints", value: 5), timed(0, "ints", value: -2), timed(0, "ints", value: "7"),
            timed(0, "mixed", value: 2), timed(0, "mixed", value: 1.5), timed(0, "mixed", value: 9),
            timed(0, "none", value: "n/a"), timed(0, "none"),
        ])
        #expect(
            try harness.finish() == [
                Event(["category": "ints", "n": 3, "total": 3, "mean": 1.5, "low": -2, "high": 5]),
                Event(["category": "mixed", "n": 3, "total": 12.5, "mean": .double(12.5 / 3), "low": 1.5, "high": 9]),
                Event(["category": "none", "n": 2, "total": 0, "mean": nil, "low": nil, "high": nil]),
            ])
    }

    @Test func recreatesNestedGroupByFieldsAsObjects() throws {
        let harness = try AggregateHarness(
            """
            group_by: [user.id, user.country]
            metrics: { n: count() }
            """)
        let user = Event(["id": 7, "country": "NZ", "name": "Ada"])
        _ = try harness.process([Event(["user": .object(user)]), Event(["user": .object(user)])])
        #expect(try harness.finish() == [Event(["user": .object(Event(["id": 7, "country": "NZ"])), "n": 2])])
    }

    @Test func metricArgumentsAndConditionsAreExpressions() throws {
        let harness = try AggregateHarness(
            """
            metrics:
              n: count()
              big: count() where value > 5
              doubled: sum(value * 2)
              big_total: sum(value) where value > 5
            """)
        _ = try harness.process([timed(0, value: 1), timed(0, value: 6), timed(0, value: 10)])
        #expect(try harness.finish() == [Event(["n": 3, "big": 2, "doubled": 34, "big_total": 16])])
    }

    @Test func processingTimeWindowsCloseAsTheClockPassesTheirEnd() throws {
        let clock = TestClock(now: 61_500)
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 1m }
            metrics: { n: count() }
            """, clock: clock.read)
        #expect(harness.processor.tickInterval == ConfigDuration(milliseconds: 1_000))
        #expect(try harness.process([Event(), Event()]) == [])
        #expect(try harness.tick(119_999) == [])
        #expect(try harness.tick(120_000) == [Event(["window_start": 60_000, "window_end": 120_000, "n": 2])])
        clock.now = 130_000
        #expect(try harness.process([Event()]) == [])
        #expect(try harness.finish() == [Event(["window_start": 120_000, "window_end": 180_000, "n": 1])])
    }

    @Test func partitionsByTheGroupByFields() throws {
        let grouped = try #require(readAggregateConfig(Self.tumbling10s).config)
        #expect(grouped.partitionFields == [FieldPath("category")!])
        #expect(!grouped.isStateless)
        let single = try #require(readAggregateConfig("metrics: { n: count() }").config)
        #expect(single.partitionFields == nil)
        #expect(single.window == .global)
    }
}

/// A settable processing-time clock.
final class TestClock: @unchecked Sendable {
    var now: Int64

    init(now: Int64) {
        self.now = now
    }

    var read: @Sendable () -> Int64 { { self.now } }
}
