import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

/// `on_late: emit_update` and `max_groups` checked row by row, in order, against the naive reference's model
/// of emission (`AggregateReference.emissions`), on the same generated data as `WindowedAggregationReferenceTests`.
@Suite struct WindowedAggregationUpdateReferenceTests {
    struct Scenario: CustomTestStringConvertible, Sendable {
        var window: String
        var lateness: Int64
        /// The update retention in ms with `on_late: emit_update`; `nil` for `on_late: drop`.
        var retention: Int64?
        /// Whether `update_retention` is written or left to its default (the window's size or gap).
        var explicitRetention = false
        var maxGroups: Int?

        var testDescription: String {
            "\(window) lateness \(lateness) retention \(retention.map(String.init) ?? "-") max_groups \(maxGroups.map(String.init) ?? "-")"
        }

        var options: String {
            var lines = [
                "group_by: [key]", "window: { \(window), time_field: ts, allowed_lateness: \(lateness)ms }",
            ]
            if let retention {
                lines.append("on_late: emit_update")
                if explicitRetention { lines.append("update_retention: \(retention)ms") }
            }
            if let maxGroups { lines.append("max_groups: \(maxGroups)") }
            return (lines + [WindowedAggregationReferenceTests.metrics]).joined(separator: "\n")
        }
    }

    static let scenarios = [
        Scenario(window: "type: tumbling, size: 10s", lateness: 2_000, retention: 40_000, explicitRetention: true),
        Scenario(
            window: "type: sliding, size: 30s, slide: 10s", lateness: 0, retention: 20_000, explicitRetention: true),
        Scenario(window: "type: sliding, size: 10s, slide: 4s", lateness: 1_000, retention: 10_000),
        Scenario(window: "type: session, gap: 5s", lateness: 1_000, retention: 38_000, explicitRetention: true),
        Scenario(window: "type: session, gap: 20s", lateness: 0, retention: 45_000, explicitRetention: true),
        Scenario(window: "type: tumbling, size: 10s", lateness: 2_000, maxGroups: 3),
        Scenario(window: "type: sliding, size: 10s, slide: 4s", lateness: 0, maxGroups: 2),
        Scenario(window: "type: session, gap: 20s", lateness: 0, maxGroups: 3),
        Scenario(window: "type: sliding, size: 30s, slide: 10s", lateness: 2_000, retention: 30_000, maxGroups: 4),
        Scenario(
            window: "type: session, gap: 5s", lateness: 1_000, retention: 40_000, explicitRetention: true, maxGroups: 4),
    ]

    @Test(arguments: scenarios)
    func matchesTheNaiveReferenceRowByRow(scenario: Scenario) throws {
        let events = WindowedAggregationReferenceTests.generate(count: 3_000, seed: 42)
        let harness = try AggregateHarness(scenario.options)
        var random = SplitMix64(seed: 9)
        var emitted: [Event] = []
        var offset = 0
        while offset < events.count {
            let size = Int.random(in: 1...64, using: &random)
            emitted += try harness.process(
                events[offset..<min(offset + size, events.count)].map(WindowedAggregationReferenceTests.event))
            offset += size
        }
        emitted += try harness.finish()

        let window = WindowedAggregationReferenceTests.Scenario(
            window: scenario.window, lateness: scenario.lateness, onLate: "drop")
        let reference = AggregateReference(windows: window.reference, lateness: scenario.lateness)
            .emissions(events, retention: scenario.retention ?? 0, maxGroups: scenario.maxGroups)
        let updates = reference.emissions.filter(\.isUpdate).count
        if scenario.retention != nil {
            #expect(updates > 10, "the data should exercise updates")
            #expect(harness.counters == [.lateUpdates: updates])
        }
        if scenario.maxGroups != nil { #expect(!reference.capped.isEmpty, "the data should exercise the cap") }
        var expectedDrops: [DropReason: Int] = [:]
        if !reference.late.isEmpty { expectedDrops[.late] = reference.late.count }
        if !reference.capped.isEmpty { expectedDrops[.maxGroups] = reference.capped.count }
        #expect(harness.drops == expectedDrops)

        // Rows of one group come in a definite order; groups interleave by group order, which the reference
        // does not model.
        #expect(emitted.count == reference.emissions.count)
        for key in WindowedAggregationReferenceTests.keys {
            let actual = emitted.filter { $0["key"] == .string(key) }
            let expected = reference.emissions.filter { $0.row.key == key }
            #expect(actual.count == expected.count, "rows of \(key)")
            for (event, emission) in zip(actual, expected) {
                #expect(event["window_start"] == .int(emission.row.start), "row of \(key) at \(emission.row.start)")
                let flag: Value? = scenario.retention == nil ? nil : .bool(emission.isUpdate)
                #expect(event["is_update"] == flag, "is_update of \(key) [\(emission.row.start), \(emission.row.end))")
                WindowedAggregationReferenceTests.check(event, against: emission.row, events: events)
            }
        }
    }

    @Test func theEmissionModelAgreesWithTheWindowModelWithoutUpdatesOrCap() {
        let events = WindowedAggregationReferenceTests.generate(count: 3_000, seed: 42)
        for scenario in WindowedAggregationReferenceTests.scenarios {
            let reference = AggregateReference(windows: scenario.reference, lateness: scenario.lateness)
            let (rows, late) = reference.run(events)
            let outcome = reference.emissions(events)
            #expect(outcome.late == late)
            #expect(outcome.emissions.allSatisfy { !$0.isUpdate })
            let key = { (row: AggregateReference.Row) in "\(row.key)|\(row.start)|\(row.end)|\(row.members.sorted())" }
            #expect(Set(outcome.emissions.map { key($0.row) }) == Set(rows.map(key)), "\(scenario.testDescription)")
        }
    }
}
