import SluiceCore
import Testing

@testable import SluiceStages

/// `idle_timeout`, `emit: every`, `on_late: emit_update` and `max_groups`, driven with explicit times.
@Suite struct WindowedAggregationEmissionTests {
    @Test func anIdleStreamAdvancesTheWatermarkWithProcessingTime() throws {
        let clock = TestClock(now: 1_000_000)
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts, allowed_lateness: 2s, idle_timeout: 30s }
            metrics: { n: count() }
            """, clock: clock.read)
        #expect(harness.processor.tickInterval == ConfigDuration(milliseconds: 1_000))
        #expect(try harness.process([timed(1_000), timed(5_000)]) == [])
        #expect(try harness.tick(1_029_999) == [])
        // Idle: event time is 5 s + 30 s since that event arrived, minus the lateness: 33 s passes 10 s.
        #expect(try harness.tick(1_030_000) == [Event(["window_start": 0, "window_end": 10_000, "n": 2])])
        // The watermark moved on: an event for the emitted window is late.
        clock.now = 1_031_000
        #expect(try harness.process([timed(9_000), timed(36_000)]) == [])
        #expect(harness.drops == [.late: 1])
        #expect(try harness.finish() == [Event(["window_start": 30_000, "window_end": 40_000, "n": 1])])
    }

    @Test func anActiveStreamNeverAdvancesByIdleness() throws {
        let clock = TestClock(now: 0)
        let harness = try AggregateHarness(
            """
            window: { type: tumbling, size: 10s, time_field: ts, idle_timeout: 30s }
            metrics: { n: count() }
            """, clock: clock.read)
        // An event every 20 s of processing time, all in one window of event time: never idle.
        for step in Int64(0)..<10 {
            clock.now = step * 20_000
            #expect(try harness.process([timed(.int(step))]) == [])
            #expect(try harness.tick(step * 20_000 + 19_999) == [])
        }
        #expect(try harness.finish().map { $0["n"] } == [10])
    }

    @Test func idleTimeoutNeedsEventTime() {
        let (_, diagnostics) = readAggregateConfig(
            "window: { type: tumbling, size: 1s, idle_timeout: 5s }\nmetrics: { n: count() }")
        #expect(
            diagnostics.all.map(\.message) == [
                "option 'idle_timeout' needs 'time_field' (without it windows use processing time)"
            ])
    }

    @Test func emitEveryWritesPartialRowsOfOpenWindowsAndMarksTheCloseFinal() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            window: { type: tumbling, size: 10s, time_field: ts }
            emit: every 5s
            metrics: { n: count() }
            """)
        #expect(harness.processor.tickInterval == ConfigDuration(milliseconds: 1_000))
        _ = try harness.process([timed(1_000, "b"), timed(2_000, "a"), timed(3_000, "b")])
        #expect(try harness.tick(100) == [])  // the first tick starts the schedule
        #expect(try harness.tick(5_099) == [])
        let partial = [
            Event(["category": "a", "window_start": 0, "window_end": 10_000, "n": 1, "final": false]),
            Event(["category": "b", "window_start": 0, "window_end": 10_000, "n": 2, "final": false]),
        ]
        #expect(try harness.tick(5_100) == partial)
        #expect(try harness.tick(9_000) == [])
        #expect(
            try harness.process([timed(12_000, "a")]) == [
                Event(["category": "a", "window_start": 0, "window_end": 10_000, "n": 1, "final": true]),
                Event(["category": "b", "window_start": 0, "window_end": 10_000, "n": 2, "final": true]),
            ])
        #expect(
            try harness.tick(10_100) == [
                Event(["category": "a", "window_start": 10_000, "window_end": 20_000, "n": 1, "final": false])
            ])
        #expect(try harness.finish().map { $0["final"] } == [true])
    }

    @Test func emitEveryCoversSlidingWindowsSessionsAndTheGlobalWindow() throws {
        let sliding = try AggregateHarness(
            "window: { type: sliding, size: 20s, slide: 10s, time_field: ts }\nemit: every 1s\nmetrics: { n: count() }")
        _ = try sliding.process([timed(5_000), timed(15_000)])
        _ = try sliding.tick(0)
        let rows = try sliding.tick(1_000)
        #expect(rows.map { $0["window_start"] } == [0, 10_000])
        #expect(rows.map { $0["n"] } == [2, 1])
        let sessions = try AggregateHarness(
            "group_by: [category]\nwindow: { type: session, gap: 5s, time_field: ts }\nemit: every 1s\nmetrics: { n: count() }"
        )
        _ = try sessions.process([timed(0, "a"), timed(2_000, "a"), timed(1_000, "b")])
        _ = try sessions.tick(0)
        #expect(
            try sessions.tick(1_000).map { [$0["category"]!, $0["window_end"]!, $0["final"]!] } == [
                ["a", 7_000, false], ["b", 6_000, false],
            ])
        let global = try AggregateHarness("emit: every 1s\nmetrics: { n: count() }")
        _ = try global.process([Event(), Event()])
        _ = try global.tick(0)
        #expect(try global.tick(1_000) == [Event(["n": 2, "final": false])])
        #expect(try global.finish() == [Event(["n": 2, "final": true])])
    }

    @Test func emitUpdateRewritesTheCorrectedRowWhileTheWindowIsRetained() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            window: { type: tumbling, size: 10s, time_field: ts }
            on_late: emit_update
            metrics: { n: count(), total: sum(value) }
            """)
        #expect(
            try harness.process([timed(1_000, "a", value: 1), timed(12_000, "b", value: 5)]) == [
                Event([
                    "category": "a", "window_start": 0, "window_end": 10_000, "n": 1, "total": 1, "is_update": false,
                ])
            ])
        // Late, within the default retention (the window's size): the full corrected row of that group.
        #expect(
            try harness.process([timed(3_000, "a", value: 2), timed(4_000, "c", value: 7)]) == [
                Event(["category": "a", "window_start": 0, "window_end": 10_000, "n": 2, "total": 3, "is_update": true]
                ),
                Event(["category": "c", "window_start": 0, "window_end": 10_000, "n": 1, "total": 7, "is_update": true]
                ),
            ])
        #expect(harness.counters == [.lateUpdates: 2])
        // 21 s closes [10 s, 20 s) and ends the retention of [0, 10 s): later events for it are dropped.
        #expect(try harness.process([timed(21_000, "b"), timed(5_000, "a")]).map { $0["window_start"] } == [10_000])
        #expect(harness.drops == [.late: 1])
    }

    @Test func emitUpdateMergesRetainedSessionsAndMarksAReopenedSessionsRowAsAnUpdate() throws {
        let harness = try AggregateHarness(
            """
            window: { type: session, gap: 10s, time_field: ts }
            on_late: emit_update
            update_retention: 30s
            metrics: { n: count() }
            """)
        #expect(
            try harness.process([timed(0), timed(25_000)]) == [
                Event(["window_start": 0, "window_end": 10_000, "n": 1, "is_update": false])
            ])
        // [9 s, 19 s) touches the emitted [0, 10 s): the merged session is complete; its row is written now.
        #expect(
            try harness.process([timed(9_000)]) == [
                Event(["window_start": 0, "window_end": 19_000, "n": 2, "is_update": true])
            ])
        // [18 s, 28 s) bridges the retained [0, 19 s) and the open [25 s, 35 s): the merged session is open
        // again, and its row on close replaces the rows written for [0, ...).
        #expect(try harness.process([timed(18_000)]) == [])
        #expect(
            try harness.process([timed(40_000)]) == [
                Event(["window_start": 0, "window_end": 35_000, "n": 4, "is_update": true])
            ])
        #expect(harness.counters == [.lateUpdates: 2])
        #expect(
            try harness.finish() == [Event(["window_start": 40_000, "window_end": 50_000, "n": 1, "is_update": false])])
    }

    @Test func maxGroupsDropsNewGroupsOfAFullWindowAndKeepsTheOthersCounting() throws {
        let harness = try AggregateHarness(
            """
            group_by: [category]
            window: { type: tumbling, size: 10s, time_field: ts }
            max_groups: 2
            metrics: { n: count() }
            """)
        _ = try harness.process([timed(0, "a"), timed(1_000, "b"), timed(2_000, "c"), timed(3_000, "a")])
        #expect(harness.drops == [.maxGroups: 1])
        // A new window has room again.
        let closed = try harness.process([timed(11_000, "c")])
        #expect(closed.map { [$0["category"]!, $0["n"]!] } == [["a", 2], ["b", 1]])
        #expect(try harness.finish().map { $0["category"] } == ["c"])
        let sessions = try AggregateHarness(
            "group_by: [category]\nwindow: { type: session, gap: 5s, time_field: ts }\nmax_groups: 1\nmetrics: { n: count() }"
        )
        _ = try sessions.process([timed(0, "a"), timed(1_000, "b"), timed(2_000, "a")])
        #expect(sessions.drops == [.maxGroups: 1])
        #expect(try sessions.finish().map { $0["n"] } == [2])
    }

    @Test func routedLateEventsAreCounted() throws {
        let harness = try AggregateHarness(
            "window: { type: tumbling, size: 10s, time_field: ts }\non_late: route\nmetrics: { n: count() }")
        _ = try harness.process([timed(1_000), timed(12_000), timed(3_000), timed(4_000)])
        #expect(harness.counters == [.lateRouted: 2])
    }

    @Test func rejectsMisplacedOrMalformedEmissionOptions() {
        func messages(_ yaml: String) -> [String] { readAggregateConfig(yaml + "\n").diagnostics.all.map(\.message) }
        #expect(
            messages(
                "window: { type: tumbling, size: 1s, time_field: ts }\nupdate_retention: 5s\nmetrics: { n: count() }")
                == ["option 'update_retention' needs 'on_late: emit_update'"])
        #expect(
            messages("emit: every five\nmetrics: { n: count() }")
                == ["option 'emit': expected 'on_close' or 'every DURATION' (e.g. every 5s), found 'every five'"])
        #expect(
            messages("emit: every 1s\nmetrics: { final: count() }")
                == ["metric 'final' would overwrite a group-by, window or flag field of the output"])
        #expect(messages("max_groups: 0\nmetrics: { n: count() }").count == 1)
    }
}
