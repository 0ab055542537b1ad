import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

/// Every window type and metric checked against `AggregateReference` on generated data with disorder, late
/// events, gaps and Unicode keys, fed in batches of random sizes.
@Suite struct WindowedAggregationReferenceTests {
    static let metrics = """
        metrics:
          n: count()
          total: sum(value)
          mean: avg(value)
          low: min(value)
          high: max(value)
          sd: stddev(value)
          var: variance(value)
          first_status: first(status)
          last_status: last(status)
          statuses: count_distinct(status)
          p90: percentile(value, 0.9)
          med: median(value)
          top: top_k(status, 2)
          errors: count() where status == "error"
        """

    struct Scenario: CustomTestStringConvertible, Sendable {
        var window: String
        var lateness: Int64
        var onLate: String

        var testDescription: String { "\(window) lateness \(lateness) on_late \(onLate)" }

        var reference: AggregateReference.Windows {
            let numbers = window.split { !$0.isNumber }.compactMap { Int64($0) }.map { $0 * 1_000 }
            if window.contains("session") { return .session(gap: numbers[0]) }
            if window.contains("sliding") { return .sliding(size: numbers[0], slide: numbers[1]) }
            return .sliding(size: numbers[0], slide: numbers[0])
        }
    }

    static let scenarios = [
        Scenario(window: "type: tumbling, size: 10s", lateness: 2_000, onLate: "drop"),
        Scenario(window: "type: sliding, size: 30s, slide: 10s", lateness: 2_000, onLate: "route"),
        Scenario(window: "type: sliding, size: 10s, slide: 4s", lateness: 0, onLate: "drop"),
        Scenario(window: "type: session, gap: 5s", lateness: 1_000, onLate: "route"),
        Scenario(window: "type: session, gap: 20s", lateness: 0, onLate: "drop"),
    ]

    static let keys = ["plain", "ä", "日本", "🙂", "Zebra"]
    static let statuses = ["ok", "error", "retry", "ünïcode", "日本"]

    /// Mostly increasing times with disorder of up to 3 s, gaps of a minute, and stragglers 40 s behind.
    static func generate(count: Int, seed: UInt64) -> [AggregateReference.Input] {
        var random = SplitMix64(seed: seed)
        var clock: Int64 = 1_700_000_000_000
        return (0..<count).map { _ in
            clock += Int64.random(in: 0...400, using: &random)
            if Int.random(in: 0..<200, using: &random) == 0 { clock += 60_000 }
            var time = clock + Int64.random(in: -3_000...0, using: &random)
            if Int.random(in: 0..<50, using: &random) == 0 { time -= 40_000 }
            let value: Value
            switch Int.random(in: 0..<10, using: &random) {
            case 0: value = .null
            case 1, 2: value = .double(Double(Int.random(in: -5_000...5_000, using: &random)) / 8)
            default: value = .int(Int64.random(in: 1...1_000, using: &random))
            }
            return .init(
                time: time, key: keys.randomElement(using: &random)!, value: value,
                status: statuses.randomElement(using: &random)!)
        }
    }

    @Test(arguments: scenarios)
    func matchesTheNaiveReference(scenario: Scenario) throws {
        let events = Self.generate(count: 3_000, seed: 42)
        let harness = try AggregateHarness(
            """
            group_by: [key]
            window: { \(scenario.window), time_field: ts, allowed_lateness: \(scenario.lateness)ms }
            on_late: \(scenario.onLate)
            \(Self.metrics)
            """)
        var random = SplitMix64(seed: 7)
        var emitted: [Event] = []
        var offset = 0
        while offset < events.count {
            let size = Int.random(in: 1...64, using: &random)
            let batch = events[offset..<min(offset + size, events.count)].map(Self.event)
            emitted += try harness.process(batch)
            offset += size
        }
        emitted += try harness.finish()

        let reference = AggregateReference(windows: scenario.reference, lateness: scenario.lateness)
        let (rows, late) = reference.run(events)
        #expect(!late.isEmpty && rows.count > 20, "the data should exercise late events and many windows")
        if scenario.onLate == "route" {
            #expect(harness.routedLate == late.map { Self.event(events[$0]) })
            #expect(harness.drops.isEmpty)
        } else {
            #expect(harness.drops == [.late: late.count])
        }
        Self.check(emitted, against: rows, events: events)
    }

    /// Checks that `emitted` holds exactly one event per row of the reference, matching it.
    static func check(_ emitted: [Event], against rows: [AggregateReference.Row], events: [AggregateReference.Input]) {
        #expect(emitted.count == rows.count)
        var actual: [String: Event] = [:]
        for event in emitted { actual["\(event["window_start"]!)|\(event["key"]!.stringValue!)"] = event }
        for row in rows {
            guard let event = actual["\(row.start)|\(row.key)"] else {
                Issue.record("missing row \(row.key) [\(row.start), \(row.end))")
                continue
            }
            check(event, against: row, events: events)
        }
    }

    static func event(_ input: AggregateReference.Input) -> Event {
        var event = Event(["ts": .int(input.time), "key": .string(input.key), "status": .string(input.status)])
        if !input.value.isNull { event["value"] = input.value }
        return event
    }

    static func check(_ event: Event, against row: AggregateReference.Row, events: [AggregateReference.Input]) {
        let members = row.members.map { events[$0] }
        let values = members.map(\.value)
        let statuses = members.map { Value.string($0.status) }
        let numbers = ReferenceMetrics.numbers(values)
        let context = "row \(row.key) [\(row.start), \(row.end))"
        #expect(event["window_end"] == .int(row.end), "\(context)")
        #expect(event["n"] == .int(Int64(members.count)), "\(context)")
        #expect(event["errors"] == .int(Int64(members.filter { $0.status == "error" }.count)), "\(context)")
        expectClose(event["total"]?.number, numbers.reduce(0, +), context + " total")
        expectClose(
            event["mean"]?.number, numbers.isEmpty ? nil : numbers.reduce(0, +) / Double(numbers.count), context)
        expectClose(event["low"]?.number, numbers.min(), context + " low")
        expectClose(event["high"]?.number, numbers.max(), context + " high")
        let variance = ReferenceMetrics.sampleVariance(values)
        expectClose(event["var"]?.number, variance, context + " var")
        expectClose(event["sd"]?.number, variance?.squareRoot(), context + " sd")
        // First and last by event time, then arrival (members are in arrival order after sorting by index).
        let byTime = row.members.sorted { (events[$0].time, $0) < (events[$1].time, $1) }
        #expect(event["first_status"] == .string(events[byTime.first!].status), "\(context)")
        #expect(event["last_status"] == .string(events[byTime.last!].status), "\(context)")
        #expect(event["statuses"] == .int(Int64(Set(members.map(\.status)).count)), "\(context)")
        expectWithinOnePercent(event["p90"]?.number, ReferenceMetrics.percentile(values, 0.9), context + " p90")
        expectWithinOnePercent(event["med"]?.number, ReferenceMetrics.percentile(values, 0.5), context + " median")
        let top = ReferenceMetrics.topK(statuses, 2).map {
            Value.object(Event(["value": .string($0.0), "count": .int(Int64($0.1))]))
        }
        #expect(event["top"] == .array(top), "\(context)")
    }

    static func expectClose(_ actual: Double?, _ expected: Double?, _ context: String) {
        guard let actual, let expected else {
            #expect(
                actual == nil && expected == nil,
                "\(context): \(String(describing: actual)) vs \(String(describing: expected))")
            return
        }
        #expect(abs(actual - expected) <= 1e-9 * max(1, abs(expected)), "\(context): \(actual) vs \(expected)")
    }

    static func expectWithinOnePercent(_ actual: Double?, _ expected: Double?, _ context: String) {
        guard let actual, let expected else {
            #expect(actual == nil && expected == nil, "\(context)")
            return
        }
        #expect(abs(actual - expected) <= 0.01 * abs(expected) + 1e-12, "\(context): \(actual) vs \(expected)")
    }
}
