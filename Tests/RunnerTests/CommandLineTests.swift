import Foundation
import Testing

/// The subcommands, exit codes and diagnostics format of the contract, through the real binary.
@Suite struct CommandLineTests {
    @Test func badUsageExitsWithTwo() throws {
        let result = try RunnerProcess.run(["apply", "--workers", "zero", "x.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("workers"))
        #expect(try RunnerProcess.run(["frobnicate"]).status == 2)
    }

    @Test func validateReportsEveryErrorAsFileLineColumnAndExitsOne() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("broken.yaml")
        try """
        sources:
          events:
            type: fiel
            path: x.ndjson
        sinks:
          out:
            type: blackhole
            inputs: [evnts]
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["validate", file.path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(
            lines.first
                == "\(file.path):3:11: error: stage 'events': unknown source type 'fiel'; did you mean 'file'? [unknown-type]"
        )
        #expect(lines.last?.hasPrefix("\(file.path):8:14: error: stage 'out': input 'evnts' is not a stage") == true)
    }

    @Test func stagesListsEveryKindAndDescribesOneType() throws {
        let list = try RunnerProcess.run(["stages"])
        #expect(list.status == 0)
        for section in ["sources:", "transforms:", "aggregations:", "sinks:"] {
            #expect(list.stdout.contains(section), "\(section) missing from \(list.stdout)")
        }
        let one = try RunnerProcess.run(["stages", "aggregate"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("group_by"))
        let unknown = try RunnerProcess.run(["stages", "agregate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("did you mean 'aggregate'?"))
    }

    @Test(arguments: ["text", "dot", "mermaid"])
    func graphPrintsEveryStageAndEdge(format: String) throws {
        let result = try RunnerProcess.run(["graph", "--format", format, "pipelines/quickstart.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        for stage in ["events", "by_category"] { #expect(result.stdout.contains(stage)) }
        switch format {
        case "dot": #expect(result.stdout.hasPrefix("digraph"))
        case "mermaid": #expect(result.stdout.hasPrefix("flowchart LR"))
        default: #expect(result.stdout.contains("←"))
        }
    }
}

/// `--stats-format prometheus` prints the final counters in the exposition format, with every family.
@Suite struct PrometheusStatsTests {
    @Test func finalCountersInPrometheusTextFormat() throws {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(
            at: RunnerProcess.packageRoot.appendingPathComponent("pipelines"),
            to: folder.appendingPathComponent("pipelines"))
        let result = try RunnerProcess.run(
            ["apply", "--stats", "--stats-format", "prometheus", "pipelines/quickstart.yaml"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("sluice_stage_events_in_total{pipeline=\"quickstart\",stage=\"valid\"} 300\n"))
        #expect(
            result.stderr.contains(
                "sluice_stage_dropped_events_total{pipeline=\"quickstart\",stage=\"valid\",reason=\"filtered\"} 10\n"))
        #expect(
            result.stderr.contains("sluice_pipeline_reloads_total{pipeline=\"quickstart\",outcome=\"applied\"} 0\n"))
        #expect(result.stderr.contains("sluice_pipeline_config_info{pipeline=\"quickstart\",hash=\""))
        for family in [
            "events_out_total", "bytes_in_total", "bytes_out_total", "errors_total", "queue_events",
            "queue_capacity_events", "busy_seconds_total",
        ] {
            #expect(result.stderr.contains("# TYPE sluice_stage_\(family) "), "\(family) missing")
        }
    }
}
