import SluiceCore
import Testing

@testable import SluiceEngine

/// The registry renders the same families as Prometheus text and as the `--stats` table.
@Suite struct MetricsRegistryTests {
    let snapshot = StageMetricsSnapshot(
        pipeline: "clicks \"eu\"", stage: "a\\b\nc", kind: .transform, typeName: "filter", eventsIn: 10, eventsOut: 7,
        bytesIn: 100, bytesOut: 0, errors: 1, drops: ["filtered": 3, "bad \"x\"": 1], counters: [:], queueDepth: 5,
        queueCapacity: 16, busySeconds: 0.25)

    @Test func labelValuesAreEscapedInEveryFamily() {
        let text = PrometheusText.render([snapshot])
        let labels = #"pipeline="clicks \"eu\"",stage="a\\b\nc""#
        #expect(text.contains("sluice_stage_events_in_total{\(labels)} 10\n"))
        #expect(text.contains(#"sluice_stage_dropped_events_total{\#(labels),reason="bad \"x\""} 1"#))
        #expect(text.contains("sluice_stage_busy_seconds_total{\(labels)} 0.25\n"))
        // No raw newline inside a sample line: every line is a comment or starts with a family name.
        #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("sluice_") })
    }

    @Test func aPartitionedSourcesLagIsOneGaugePerPartition() {
        var source = snapshot
        source.stage = "orders"
        source.partitionLag = [
            PartitionLag(topic: "orders", partition: 0, records: 42),
            PartitionLag(topic: "orders", partition: 3, records: 0),
        ]
        let text = PrometheusText.render([source])
        #expect(text.contains("# TYPE sluice_source_partition_lag_records gauge\n"))
        let labels = #"pipeline="clicks \"eu\"",stage="orders",topic="orders""#
        #expect(text.contains("sluice_source_partition_lag_records{\(labels),partition=\"0\"} 42\n"))
        #expect(text.contains("sluice_source_partition_lag_records{\(labels),partition=\"3\"} 0\n"))
    }

    @Test func everyStageFamilyIsOneTableColumnAndOneExportedFamily() {
        let text = PrometheusText.render([snapshot])
        let header = StatsTable.render([snapshot]).split(separator: "\n")[0]
        for measure in StageMeasure.all {
            #expect(text.contains("# TYPE \(measure.family.name) \(measure.family.kind.rawValue)\n"))
            #expect(header.contains(measure.column), "\(measure.column) is not a column")
        }
    }

    @Test func theTableShowsLabelledMeasuresAsLists() {
        var plain = snapshot
        plain.stage = "valid"
        let row = StatsTable.render([plain]).split(separator: "\n")[1]
        #expect(row.contains("1 bad \"x\", 3 filtered"))
        #expect(row.contains("0.250"))
    }

    @Test func familyNamesAreUniqueAndSamplesMatchTheirLabels() {
        let names = MetricFamilies.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(MetricFamilies.httpRequestDuration.seriesNames.contains("sluice_http_request_duration_seconds_bucket"))
    }
}
