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
        #expect(lines.first == "\(file.path):3:11: error: stage 'events': unknown source type 'fiel'; did you mean 'file'? [unknown-type]")
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
