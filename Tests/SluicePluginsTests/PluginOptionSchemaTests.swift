import SluiceConfig
import SluiceCore
import SluiceGraph
import SluicePlugins
import SluiceStages
import SluiceTesting
import Testing

/// A plugin stage's options are checked against its schema when the pipeline compiles, like a built-in's,
/// with positions in the pipeline file; defaults are applied before the plugin sees them.
@Suite struct PluginOptionSchemaTests {
    private func registry() throws -> StageRegistry {
        let folder = try PluginFolder()
        try folder.write(
            """
            name: typed
            version: 1.0.0
            command: [cat]
            stages:
              typed:
                kind: transform
                options:
                  count: { type: int, doc: Required. }
                  ratio: { type: float, default: 0.5 }
                  wait: { type: duration, default: 2s }
                  limit: { type: size, default: 1KiB }
                  table: { type: path, default: data/t.csv }
                  key: { type: field, default: user.id }
                  names: { type: "[string]", default: [a, b] }
                  loud: { type: bool, default: false }
            """, to: "plugin.yaml", in: "typed")
        var registry = try PipelineHarness().registry
        #expect(PluginCatalog.load(folder: folder.path).register(into: &registry).isEmpty)
        return registry
    }

    private func pipeline(_ options: String) -> String {
        """
        sources:
          in: { type: test_source, count: 1 }
        transforms:
          t:
            type: typed
            inputs: [in]
        \(options)
        sinks:
          out: { type: test_sink, inputs: [t], probe: never }
        """
    }

    @Test func defaultsAreAppliedAndSentTypedToThePlugin() throws {
        let graph = try GraphCompiler(registry: registry()).compile(
            PipelineLoader().load(text: pipeline("    count: 3"), file: "p.yaml").get()
        ).get()
        let config = try #require(graph.node("t")?.config as? PluginStageConfig)
        guard case .object(let options) = config.options else {
            Issue.record("options are not an object")
            return
        }
        #expect(options["count"] == .int(3))
        #expect(options["ratio"] == .double(0.5))
        #expect(options["wait"] == .int(2_000))
        #expect(options["limit"] == .int(1_024))
        #expect(options["table"]?.stringValue?.hasSuffix("/data/t.csv") == true)
        #expect(options["table"]?.stringValue?.hasPrefix("/") == true)
        #expect(options["key"] == .string("user.id"))
        #expect(options["names"] == .array(["a", "b"]))
        #expect(options["loud"] == .bool(false))
        #expect(config.supervision.retries == 1)
    }

    @Test(arguments: [
        (
            "    count: many",
            "p.yaml:7:12: error: stage 't': option 'count' must be an integer, found 'many' [wrong-type]"
        ),
        ("    count: 1\n    wait: later", "p.yaml:8:11: error: stage 't': option 'wait': invalid duration 'later'"),
        ("    count: 1\n    cuont: 2", "p.yaml:8:5: error: stage 't': unknown option 'cuont'; did you mean 'count'?"),
        ("    ratio: 1", "p.yaml:5:5: error: stage 't': missing required option 'count' [missing-field]"),
        ("    count: 1\n    retries: -1", "p.yaml:8:14: error: stage 't': option 'retries' must be at least 0"),
        ("    count: 1\n    key: [a, b]", "p.yaml:8:10: error: stage 't': option 'key' must be one field name"),
    ])
    func aWrongOptionIsADiagnosticAtItsPosition(options: String, expected: String) throws {
        let result = GraphCompiler(registry: try registry()).compile(
            try PipelineLoader().load(text: pipeline(options), file: "p.yaml").get())
        guard case .failure(let diagnostics) = result else {
            Issue.record("compiled despite \(options)")
            return
        }
        #expect(diagnostics.lines.contains { $0.hasPrefix(expected) }, "\(diagnostics.lines)")
    }

    @Test func aChangedPluginChangesTheIdentityOfTheStagesThatUseIt() throws {
        let folder = try PluginFolder()
        let manifest = """
            name: p
            version: 1.0.0
            command: [cat]
            stages:
              echo: { kind: transform }
            """
        try folder.write(manifest, to: "plugin.yaml", in: "p")
        func compile() throws -> StageGraph {
            var registry = try PipelineHarness().registry
            _ = PluginCatalog.load(folder: folder.path).register(into: &registry)
            let text = pipeline("").replacingOccurrences(of: "type: typed", with: "type: echo")
            return try GraphCompiler(registry: registry).compile(
                PipelineLoader().load(text: text, file: "p.yaml").get()
            )
            .get()
        }
        let before = try compile()
        #expect(PlanDiff(from: ExecutionPlan(before), to: ExecutionPlan(try compile())).isEmpty)
        try folder.write("print('changed')", to: "echo.py", in: "p")
        let diff = PlanDiff(from: ExecutionPlan(before), to: ExecutionPlan(try compile()))
        #expect(diff.changed.map(\.id) == ["t"])
    }
}
