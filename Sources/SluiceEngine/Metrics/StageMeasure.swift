import SluiceCore

/// One per-stage family and how to read it from a stage's snapshot: the Prometheus text and the
/// `--stats` table both iterate over `StageMeasure.all`, so a family is added in one place.
public struct StageMeasure: Sendable {
    /// One value of the measure: `label` is the value of the family's extra label (a drop's reason, a
    /// counter's name), nil for families labelled by pipeline and stage alone.
    public struct Reading: Sendable {
        public let label: String?
        public let value: Double
    }

    public let family: MetricFamily
    /// The column's title in the `--stats` table.
    public let column: String
    /// Decimals the table shows (0: whole numbers).
    public let decimals: Int
    private let read: @Sendable (StageMetricsSnapshot) -> [Reading]

    /// A measure with one value per stage.
    init(
        _ family: MetricFamily, column: String, decimals: Int = 0,
        _ value: @escaping @Sendable (StageMetricsSnapshot) -> Double
    ) {
        self.family = family
        self.column = column
        self.decimals = decimals
        read = { [Reading(label: nil, value: value($0))] }
    }

    /// A measure with one value per value of the family's extra label.
    init(
        _ family: MetricFamily, column: String,
        labelled values: @escaping @Sendable (StageMetricsSnapshot) -> [String: Int]
    ) {
        self.family = family
        self.column = column
        decimals = 0
        read = { snapshot in
            values(snapshot).sorted { $0.key < $1.key }.map { Reading(label: $0.key, value: Double($0.value)) }
        }
    }

    /// True when the family has a label beyond pipeline and stage (one reading per label value).
    public var isLabelled: Bool { family.labels.count > MetricFamilies.stage.count }

    /// The measure's values for one stage.
    public func readings(_ snapshot: StageMetricsSnapshot) -> [Reading] { read(snapshot) }

    /// The measure's samples for one stage.
    public func samples(_ snapshot: StageMetricsSnapshot) -> [MetricSample] {
        readings(snapshot).map { reading in
            MetricSample(
                family, [snapshot.pipeline, snapshot.stage] + (reading.label.map { [$0] } ?? []), reading.value)
        }
    }

    /// Every per-stage measure the engine counts, in the order they are exported and printed.
    public static let all: [StageMeasure] = [
        StageMeasure(MetricFamilies.eventsIn, column: "events in") { Double($0.eventsIn) },
        StageMeasure(MetricFamilies.eventsOut, column: "events out") { Double($0.eventsOut) },
        StageMeasure(MetricFamilies.bytesIn, column: "bytes in") { Double($0.bytesIn) },
        StageMeasure(MetricFamilies.bytesOut, column: "bytes out") { Double($0.bytesOut) },
        StageMeasure(MetricFamilies.errors, column: "errors") { Double($0.errors) },
        StageMeasure(
            MetricFamilies.dropped, column: "dropped",
            labelled: { snapshot in
                Dictionary(uniqueKeysWithValues: snapshot.drops.map { ($0.key.rawValue, $0.value) })
            }),
        StageMeasure(
            MetricFamilies.counter, column: "counters",
            labelled: { snapshot in
                Dictionary(uniqueKeysWithValues: snapshot.counters.map { ($0.key.rawValue, $0.value) })
            }),
        StageMeasure(MetricFamilies.queueDepth, column: "queue") { Double($0.queueDepth) },
        StageMeasure(MetricFamilies.queueCapacity, column: "capacity") { Double($0.queueCapacity) },
        StageMeasure(MetricFamilies.busySeconds, column: "busy s", decimals: 3) { $0.busySeconds },
    ]
}

extension MetricSample {
    /// The value as Prometheus and the stats table print it: whole numbers without a fraction.
    public var valueText: String { MetricSample.text(value) }

    static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
