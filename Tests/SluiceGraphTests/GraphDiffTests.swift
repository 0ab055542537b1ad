import SluiceCore
import SluiceGraph
import SluiceStages
import SluiceTesting
import Testing

/// What a reload keeps: a stage is replaced only when what it does changes, not how it is written.
@Suite struct GraphDiffTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    func diff(_ old: String, _ new: String) throws -> GraphDiff {
        GraphDiff(from: try harness.compile(old).get(), to: try harness.compile(new).get())
    }

    @Test func aSpelledOutDefaultKeepsTheStage() throws {
        let diff = try diff(
            """
            sources:
              logs: { type: file, path: app.log, mode: tail }
            sinks:
              out: { type: file, inputs: logs, path: out.ndjson }
            """,
            """
            sources:
              logs: { type: file, path: app.log, mode: tail, format: ndjson, max_line_bytes: 1MiB }
            sinks:
              out: { type: file, inputs: [logs], path: out.ndjson, append: false }
            """)
        #expect(diff.isEmpty, "\(diff.description)")
        #expect(diff.kept == ["logs", "out"])
    }

    @Test func aDifferentValueReplacesTheStage() throws {
        let diff = try diff(
            """
            sources:
              logs: { type: file, path: app.log, mode: tail }
            sinks:
              out: { type: file, inputs: [logs], path: out.ndjson }
            """,
            """
            sources:
              logs: { type: file, path: app.log, mode: tail, poll_interval: 1s }
            sinks:
              out: { type: file, inputs: [logs], path: out.ndjson }
            """)
        #expect(diff.changed.map(\.id) == ["logs"])
        #expect(diff.changed.first?.keys == ["poll_interval"])
        #expect(diff.kept == ["out"])
    }
}
