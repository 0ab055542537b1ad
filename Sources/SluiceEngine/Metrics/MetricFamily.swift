/// One exported metric family: its name, type, help text and label names, declared once in
/// `MetricFamilies` and rendered by both the Prometheus text and the `--stats` table.
public struct MetricFamily: Sendable, Hashable {
    /// The Prometheus metric type.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public let name: String
    public let kind: Kind
    public let help: String
    /// The label names every sample of the family carries, in order.
    public let labels: [String]

    public init(_ name: String, _ kind: Kind, labels: [String], help: String) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
    }

    /// The names of the series the family exports: a histogram's `_bucket`, `_sum` and `_count`, else
    /// the family's own name.
    public var seriesNames: [String] {
        kind == .histogram ? ["_bucket", "_sum", "_count"].map { name + $0 } : [name]
    }
}

/// One value of a family, with one value per label of the family.
public struct MetricSample: Sendable, Equatable {
    public let family: MetricFamily
    public let labelValues: [String]
    public let value: Double

    /// A sample; `labelValues` must match the family's labels one for one.
    public init(_ family: MetricFamily, _ labelValues: [String], _ value: Double) {
        precondition(labelValues.count == family.labels.count, "\(family.name): labels do not match")
        self.family = family
        self.labelValues = labelValues
        self.value = value
    }

    /// A sample of a counter or gauge counted in whole numbers.
    public init(_ family: MetricFamily, _ labelValues: [String], _ value: Int) {
        self.init(family, labelValues, Double(value))
    }
}
