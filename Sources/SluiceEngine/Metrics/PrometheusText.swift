/// Renders metric samples in the Prometheus text exposition format (version 0.0.4).
public enum PrometheusText {
    /// The content type of the format, for an HTTP answer.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Renders `samples` grouped by family, each family once with its HELP and TYPE lines, in the
    /// order of `families` (families without samples print their header alone).
    public static func render(_ samples: [MetricSample], families: [MetricFamily]) -> String {
        var byFamily: [String: [MetricSample]] = [:]
        for sample in samples { byFamily[sample.family.name, default: []].append(sample) }
        var text = ""
        for family in families {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in byFamily[family.name] ?? [] {
                text += family.name + labels(sample) + " " + sample.valueText + "\n"
            }
        }
        return text
    }

    /// Every stage's counters, with their families' headers.
    public static func render(_ snapshots: [StageMetricsSnapshot]) -> String {
        render(stageSamples(snapshots), families: StageMeasure.all.map(\.family) + [MetricFamilies.partitionLag])
    }

    /// The samples of every per-stage measure of `snapshots`, and the lag of partitioned sources.
    public static func stageSamples(_ snapshots: [StageMetricsSnapshot]) -> [MetricSample] {
        StageMeasure.all.flatMap { measure in snapshots.flatMap(measure.samples) }
            + snapshots.flatMap { snapshot in
                snapshot.partitionLag.map { lag in
                    MetricSample(
                        MetricFamilies.partitionLag,
                        [snapshot.pipeline, snapshot.stage, lag.topic, String(lag.partition)], lag.records)
                }
            }
    }

    private static func labels(_ sample: MetricSample) -> String {
        guard !sample.labelValues.isEmpty else { return "" }
        let pairs = zip(sample.family.labels, sample.labelValues).map { "\($0)=\"\(escape($1))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    /// Escapes a label value: backslash, double quote and newline.
    public static func escape(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }

    private static func escapeHelp(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}
