/// Renders stage metrics in the Prometheus text exposition format (version 0.0.4).
public enum PrometheusText {
    public static func render(_ snapshots: [StageMetricsSnapshot]) -> String {
        var text = ""
        func family(_ family: MetricNames.Family, _ rows: [(labels: String, value: String)]) {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for row in rows { text += "\(family.name){\(row.labels)} \(row.value)\n" }
        }
        func rows(_ value: (StageMetricsSnapshot) -> String) -> [(labels: String, value: String)] {
            snapshots.map { (labels($0), value($0)) }
        }
        family(MetricNames.eventsIn, rows { "\($0.eventsIn)" })
        family(MetricNames.eventsOut, rows { "\($0.eventsOut)" })
        family(MetricNames.bytesIn, rows { "\($0.bytesIn)" })
        family(MetricNames.bytesOut, rows { "\($0.bytesOut)" })
        family(MetricNames.errors, rows { "\($0.errors)" })
        family(
            MetricNames.dropped,
            snapshots.flatMap { snapshot in
                snapshot.drops.sorted { $0.key.rawValue < $1.key.rawValue }.map { reason, count in
                    (labels(snapshot) + ",reason=\"\(escape(reason.rawValue))\"", "\(count)")
                }
            })
        family(
            MetricNames.counter,
            snapshots.flatMap { snapshot in
                snapshot.counters.sorted { $0.key.rawValue < $1.key.rawValue }.map { name, count in
                    (labels(snapshot) + ",name=\"\(escape(name.rawValue))\"", "\(count)")
                }
            })
        family(MetricNames.queueDepth, rows { "\($0.queueDepth)" })
        family(MetricNames.queueCapacity, rows { "\($0.queueCapacity)" })
        family(MetricNames.busySeconds, rows { "\($0.busySeconds)" })
        return text
    }

    private static func labels(_ snapshot: StageMetricsSnapshot) -> String {
        "pipeline=\"\(escape(snapshot.pipeline))\",stage=\"\(escape(snapshot.stage))\""
    }

    /// Escapes a label value: backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
