import SluiceCore
import SluiceGraph
import SluiceStages
import SluiceTesting
import Testing

/// What a reload from one plan to another keeps and changes, stage by stage and node by node, compared as
/// plain values: a stage is kept when its typed configuration is equal, however it is written.
@Suite struct PlanDiffTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    func diff(_ old: String, _ new: String) throws -> PlanDiff {
        PlanDiff(
            from: ExecutionPlan(try harness.compile(old).get()), to: ExecutionPlan(try harness.compile(new).get()))
    }

    /// A pipeline with an aggregate whose window, clean options and sink are given.
    func pipeline(
        window: String = "{ type: tumbling, size: 10s, time_field: ts }", trim: String = "true",
        parallelism: Int = 1, inputs: String = "[clean]"
    ) -> String {
        """
        sources:
          events: { type: test_source, count: 1 }
        transforms:
          clean: { type: clean, inputs: [events], fields: [category], trim: \(trim) }
        aggregations:
          by_category:
            type: aggregate
            inputs: \(inputs)
            group_by: [category]
            window: \(window)
            metrics: { n: count() }
            parallelism: \(parallelism)
        sinks:
          out: { type: test_sink, inputs: [by_category] }
        """
    }

    @Test func aDurationInOtherUnitsKeepsTheAggregate() throws {
        let diff = try diff(pipeline(), pipeline(window: "{ type: tumbling, size: 10000ms, time_field: ts }"))
        #expect(diff.isEmpty)
        #expect(diff.kept == ["events", "clean", "by_category", "out"])
        #expect(diff.rewritten == ["by_category"])
        #expect(diff.description == "no changes (written differently, same configuration: by_category)\n")
    }

    @Test func aBoolWrittenAsAStringKeepsTheTransform() throws {
        let diff = try diff(pipeline(), pipeline(trim: "\"true\""))
        #expect(diff.isEmpty)
        #expect(diff.rewritten == ["clean"])
    }

    /// Spelling out a file source's and a file sink's defaults keeps both: a tailed file is not read again.
    @Test func spelledOutDefaultsKeepFileStages() throws {
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

    @Test func movedStagesAndReorderedKeysAreNoChangeAtAll() throws {
        let moved = """
            sinks:
              out: { inputs: [by_category], type: test_sink }
            aggregations:
              by_category:
                parallelism: 1
                metrics: { n: count() }
                window: { time_field: ts, size: 10s, type: tumbling }
                group_by: [category]
                inputs: [clean]
                type: aggregate
            sources:
              events: { count: 1, type: test_source }
            transforms:
              # a comment
              clean: { trim: true, fields: [category], inputs: [events], type: clean }
            """
        let diff = try diff(pipeline(), moved)
        #expect(diff.isEmpty)
        #expect(diff.rewritten.isEmpty)
        #expect(diff.description == "no changes\n")
    }

    @Test func aDifferentValueChangesTheStageWithItsKey() throws {
        let diff = try diff(pipeline(), pipeline(window: "{ type: tumbling, size: 20s, time_field: ts }"))
        #expect(diff.changed == [PlanDiff.Change(id: "by_category", keys: ["window"])])
        #expect(diff.kept == ["events", "clean", "out"])
        #expect(diff.retired == ["by_category"])
        #expect(diff.keptNodes == ["clean+by_category", "out"])
        #expect(
            diff.description == """
                ~ by_category  (changed: window; drained and replaced)
                = events, clean, out  (kept, with their state)
                = nodes clean+by_category, out  (same queues)

                """)
    }

    @Test func changedInputsAreAChange() throws {
        let diff = try diff(pipeline(), pipeline(inputs: "[events]"))
        #expect(diff.changed == [PlanDiff.Change(id: "by_category", keys: ["inputs"])])
        // `clean` now has no reader; the aggregate reads the source directly from a node of its own.
        #expect(diff.removedNodes == ["clean+by_category"])
        #expect(diff.addedNodes == ["clean", "by_category"])
    }

    @Test func reorderedInputsAreNoChange() throws {
        let two = { (inputs: String) in
            """
            sources:
              a: { type: test_source, count: 1 }
              b: { type: test_source, count: 1 }
            sinks:
              out: { type: test_sink, inputs: \(inputs) }
            """
        }
        #expect(try diff(two("[a, b]"), two("[b, a]")).isEmpty)
    }

    @Test func changedParallelismSplitsTheNodeAndSaysHow() throws {
        let diff = try diff(pipeline(), pipeline(parallelism: 4))
        #expect(diff.changed == [PlanDiff.Change(id: "by_category", keys: ["parallelism"])])
        #expect(diff.removedNodes == ["clean+by_category"])
        #expect(diff.addedNodes == ["clean", "by_category"])
        #expect(diff.keptNodes == ["out"])
    }

    @Test func aNodeThatKeepsItsStagesButNotItsCopiesIsAChangedNode() throws {
        let diff = try diff(pipeline(parallelism: 2), pipeline(parallelism: 4))
        #expect(diff.changedNodes == [PlanDiff.NodeChange(name: "by_category", details: ["2 → 4 copies"])])
        #expect(diff.description.contains("~ node by_category  (2 → 4 copies)\n"))
    }

    @Test func addedAndRemovedStagesAndTheirNodes() throws {
        let old = pipeline()
        let new = old.replacing(
            "  out: { type: test_sink, inputs: [by_category] }",
            with: "  other: { type: test_sink, inputs: [by_category] }")
        let diff = try diff(old, new)
        #expect(diff.added == ["other"])
        #expect(diff.removed == ["out"])
        #expect(diff.addedNodes == ["other"])
        #expect(diff.removedNodes == ["out"])
        #expect(diff.description.hasPrefix("+ other  (added)\n- out  (removed; drained first)\n"))
    }
}
