import SluiceCore
import Testing

@testable import SluiceStages

/// `max_memory`: the state's estimated size bounds the groups × windows (panes, sessions) an aggregate holds;
/// at the limit events of new groups are dropped and counted, and existing groups keep counting.
@Suite struct WindowedAggregationMemoryTests {
    private func user(_ id: Int, at ts: Int64 = 1_000, value: Int = 1) -> Event {
        Event(["ts": .int(ts), "user": .string("user-\(id)"), "value": .int(Int64(value))])
    }

    @Test func dropsEventsOfNewGroupsAtTheLimitAndKeepsCountingExistingOnes() throws {
        let harness = try AggregateHarness(
            """
            group_by: [user]
            max_memory: 16KiB
            metrics: { n: count(), total: sum(value) }
            """)
        _ = try harness.process((0..<200).map { user($0) })
        let dropped = try #require(harness.drops[.maxMemory])
        #expect(dropped > 0 && dropped < 200)
        _ = try harness.process([user(0, value: 5), user(199)])
        let rows = try harness.finish()
        #expect(rows.count == 200 - dropped)
        #expect(rows.first { $0["user"] == "user-0" }?["total"] == 6)
        #expect(harness.drops[.maxMemory] == dropped + 1)
    }

    @Test func roomFreedByEmittedWindowsIsUsedAgain() throws {
        let harness = try AggregateHarness(
            """
            group_by: [user]
            window: { type: tumbling, size: 10s, time_field: ts }
            max_memory: 16KiB
            metrics: { n: count() }
            """)
        let first = try harness.process((0..<200).map { user($0, at: 1_000) })
        let droppedInFirstWindow = try #require(harness.drops[.maxMemory])
        let second = try harness.process((0..<200).map { user($0, at: 11_000) })
        #expect(first.isEmpty)
        #expect(second.count == 200 - droppedInFirstWindow)
        #expect(harness.drops[.maxMemory] == 2 * droppedInFirstWindow)
    }

    @Test func slidingPanesAndSessionsCountTowardsTheLimit() throws {
        let sliding = try AggregateHarness(
            """
            group_by: [user]
            window: { type: sliding, size: 1000s, slide: 1s, time_field: ts, allowed_lateness: 1000s }
            max_memory: 16KiB
            metrics: { n: count() }
            """)
        // One group, one event per second: every event opens a pane of its own.
        _ = try sliding.process((0..<200).map { user(1, at: Int64($0) * 1_000) })
        #expect(sliding.drops[.maxMemory, default: 0] > 0)

        let sessions = try AggregateHarness(
            """
            group_by: [user]
            window: { type: session, gap: 10s, time_field: ts }
            max_memory: 16KiB
            metrics: { n: count() }
            """)
        _ = try sessions.process((0..<200).map { user($0) })
        let dropped = try #require(sessions.drops[.maxMemory])
        #expect(try sessions.finish().count == 200 - dropped)
    }

    @Test func countsWhatSketchesHoldOnceTheStateIsWalked() throws {
        let harness = try AggregateHarness(
            """
            group_by: [user]
            max_memory: 1MiB
            distinct_exact_limit: 100000
            metrics: { values: count_distinct(value) }
            """)
        // One group with 70,000 distinct values (about 4 MiB of exact set): the walk after 65,536 events sees it.
        _ = try harness.process((0..<70_000).map { user(1, value: $0) })
        #expect(harness.drops.isEmpty)
        _ = try harness.process([user(2)])
        #expect(harness.drops == [.maxMemory: 1])
    }

    @Test func readsMaxMemoryWithADefaultAndRejectsZero() throws {
        let defaults = try #require(readAggregateConfig("metrics: { n: count() }").config)
        #expect(defaults.maxMemory == ConfigSize(bytes: 256 << 20))
        let set = try #require(readAggregateConfig("max_memory: 1GiB\nmetrics: { n: count() }").config)
        #expect(set.maxMemory == ConfigSize(bytes: 1 << 30))
        let (zero, diagnostics) = readAggregateConfig("max_memory: 0B\nmetrics: { n: count() }")
        #expect(zero == nil)
        #expect(
            diagnostics.all.map(\.description) == [
                "test.yaml:1:13: error: stage 'agg': option 'max_memory' must be larger than 0 [invalid-value]"
            ])
    }

    @Test func rejectsASlidingWindowOfMoreThanAThousandPanes() throws {
        let (config, diagnostics) = readAggregateConfig(
            "window: { type: sliding, size: 10000s, slide: 1s, time_field: ts }\nmetrics: { n: count() }")
        #expect(config == nil)
        #expect(
            diagnostics.all.map(\.description) == [
                "test.yaml:1:47: error: stage 'agg': a 10000s window sliding by 1s spans 10000 panes of gcd(size, "
                    + "slide) = 1s; the most is 1000: choose a slide that divides the size more evenly [invalid-value]"
            ])
        #expect(
            readAggregateConfig("window: { type: sliding, size: 1000s, slide: 1s }\nmetrics: { n: count() }").config
                != nil)
    }
}
