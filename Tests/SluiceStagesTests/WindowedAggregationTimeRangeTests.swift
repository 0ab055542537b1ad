import SluiceCore
import Testing

@testable import SluiceStages

/// Event times at and beyond the edges of what can be windowed: no value may trap, a time outside
/// `EventTime.range` is dropped as `invalid_time`, and the events around it are aggregated as usual.
@Suite struct WindowedAggregationTimeRangeTests {
    static let windows = [
        "{ type: tumbling, size: 10s, time_field: ts }",
        "{ type: sliding, size: 10s, slide: 3s, time_field: ts, allowed_lateness: 1d }",
        "{ type: session, gap: 10s, time_field: ts, allowed_lateness: 1h }",
        "{ type: tumbling, size: 10s, time_field: ts, time_unit: s }",
    ]

    /// Times no window can hold, in every form a time field takes.
    static let outOfRange: [Value] = [
        .int(.max), .int(.min), .int(-9_223_372_036_854_765_808), .int(EventTime.limit + 1),
        .int(-EventTime.limit - 1), .double(1e300), .double(-1e300), .double(.nan), .double(.infinity),
        .string("99999999999999999999"), .string("-9223372036854775808"),
    ]

    @Test(arguments: windows)
    func dropsTimesOutsideTheRangeAsInvalidTimeAndAggregatesTheOthers(window: String) throws {
        let harness = try AggregateHarness("window: \(window)\nmetrics: { n: count() }")
        let good = window.contains("time_unit: s") ? [timed(1), timed(2)] : [timed(1_000), timed(2_000)]
        var rows = try harness.process([good[0]] + Self.outOfRange.map { timed($0) } + [good[1]])
        rows += try harness.finish()
        #expect(harness.drops == [.invalidTime: Self.outOfRange.count])
        #expect(rows.map { $0["n"] }.contains(2))
        #expect(rows.allSatisfy { $0["n"] == 2 })
    }

    @Test(arguments: windows)
    func windowsTheFirstAndLastMillisecondOfTheRange(window: String) throws {
        let harness = try AggregateHarness("window: \(window)\nmetrics: { n: count() }")
        let unit: Int64 = window.contains("time_unit: s") ? 1_000 : 1
        let edges = [-EventTime.limit / unit, EventTime.limit / unit].map { timed(.int($0)) }
        let rows = try harness.process(edges) + harness.finish()
        #expect(harness.drops.isEmpty)
        #expect(rows.reduce(0) { $0 + ($1["n"]?.number ?? 0) } >= 2)
        for row in rows {
            let (start, end) = try (#require(row["window_start"]?.number), #require(row["window_end"]?.number))
            #expect(start < end)
        }
    }

    @Test func metricsOfExtremeNumbersNeverTrap() throws {
        let harness = try AggregateHarness(
            """
            metrics:
              n: count()
              total: sum(value)
              mean: avg(value)
              spread: stddev(value)
              p99: percentile(value, 0.99)
              low: min(value)
            """)
        let values: [Value] = [
            .int(.max), .int(.max), .int(.min), .double(1e308), .double(-1e308), .double(.nan),
            .double(.infinity), .int(1),
        ]
        let rows = try harness.process(values.map { timed(0, value: $0) }) + harness.finish()
        #expect(rows.count == 1)
        #expect(rows.first?["n"] == .int(Int64(values.count)))
        // The int sum overflowed, so it went on as a float rather than trapping or wrapping.
        if case .double = rows.first?["total"] {} else { Issue.record("sum should have become a float") }
        #expect(rows.first?["low"] == .double(-1e308))
    }

    @Test func readsWhichTimesAreMissingAndWhichAreOutOfRange() {
        let field = EventTimeField(path: FieldPath("ts")!, unit: .milliseconds)
        #expect(field.reading(of: .int(EventTime.limit)) == .time(EventTime.limit))
        #expect(field.reading(of: .int(EventTime.limit + 1)) == .outOfRange)
        #expect(field.reading(of: .double(-8.64e15)) == .time(-EventTime.limit))
        #expect(field.reading(of: .double(.nan)) == .outOfRange)
        #expect(field.reading(of: .string("12")) == .time(12))
        #expect(field.reading(of: .string("123456789012345678901234")) == .outOfRange)
        #expect(field.reading(of: .string("9999-12-31T23:59:59.999Z")) == .time(253_402_300_799_999))
        #expect(field.reading(of: .string("yesterday")) == .missing)
        #expect(field.reading(of: .string("--1")) == .missing)
        #expect(field.reading(of: .bool(true)) == .missing)
        #expect(field.reading(of: .null) == .missing)
        let seconds = EventTimeField(path: FieldPath("ts")!, unit: .seconds)
        #expect(seconds.reading(of: .int(Int64.max / 100)) == .outOfRange)
    }

    @Test(arguments: [
        ("window: { type: tumbling, size: 9223372036854775807ms, time_field: ts }", "size", 33),
        ("window: { type: sliding, size: 10s, slide: 106751991167d, time_field: ts }", "slide", 44),
        ("window: { type: session, gap: 1s, time_field: ts, allowed_lateness: 100000001d }", "allowed_lateness", 69),
        ("window: { type: session, gap: 1s, time_field: ts, idle_timeout: 100000001d }", "idle_timeout", 65),
    ])
    func rejectsWindowLengthsBeyondTheLongest(window: String, key: String, column: Int) throws {
        let (config, diagnostics) = readAggregateConfig(window + "\nmetrics: { n: count() }")
        #expect(config == nil)
        let message = try #require(diagnostics.all.first).description
        #expect(message.hasPrefix("test.yaml:1:\(column): error: stage 'agg': option '\(key)' ("))
        #expect(message.contains("is longer than the longest window length, 100000000d"))
    }
}
