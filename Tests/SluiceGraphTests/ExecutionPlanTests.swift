import SluiceCore
import SluiceGraph
import SluiceStages
import SluiceTesting
import Testing

/// The execution plan as a plain value: which stages share a node, the queues, how copies are fed, and
/// who feeds whom — checked without running anything.
@Suite struct ExecutionPlanTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    func plan(_ yaml: String, queueCapacity: Int = 1_000) throws -> ExecutionPlan {
        ExecutionPlan(try harness.compile(yaml).get(), queueCapacity: queueCapacity)
    }

    func names(_ plan: ExecutionPlan) -> [[String]] {
        plan.nodes.map { $0.stages.map(\.id) }
    }

    @Test func statelessTransformsShareANodeWithTheStageAfterThem() throws {
        let plan = try plan(
            """
            sources:
              events: { type: test_source, count: 1 }
            transforms:
              clean: { type: clean, inputs: [events], fields: [category], trim: true }
              stamp: { type: enrich, inputs: [clean], fields: { seen: "1" } }
              valid: { type: filter, inputs: [stamp], condition: value >= 1 }
            aggregations:
              totals: { type: aggregate, inputs: [valid], metrics: { n: count() } }
            sinks:
              out: { type: test_sink, inputs: [totals] }
            """)
        // The aggregate keeps state, so the sink after it reads from a queue of its own.
        #expect(names(plan) == [["clean", "stamp", "valid", "totals"], ["out"]])
        #expect(plan.nodes.map(\.name) == ["clean+stamp+valid+totals", "out"])
        #expect(plan.sources.map(\.outlets) == [[0]])
        #expect(plan.nodes[0].outlets == [[1]])
        #expect(plan.nodes.map(\.producerCount) == [1, 1])
        #expect(plan.queueCount == 2)
        #expect(plan.queueCapacity == 1_000)
        #expect(plan.node(holding: "valid")?.index == 0)
        #expect(plan.node(holding: "events") == nil)
    }

    @Test func aTransformWithTwoConsumersEndsItsChain() throws {
        let plan = try plan(
            """
            sources:
              events: { type: test_source, count: 1 }
            transforms:
              tag: { type: enrich, inputs: [events], fields: { t: "1" } }
            sinks:
              a: { type: test_sink, inputs: [tag] }
              b: { type: test_sink, inputs: [tag] }
            """)
        #expect(names(plan) == [["tag"], ["a"], ["b"]])
        #expect(plan.nodes[0].outlets == [[1, 2]])
    }

    @Test func aStageWithTwoInputsStartsANodeThatWaitsForEveryProducer() throws {
        let plan = try plan(
            """
            sources:
              left: { type: test_source, count: 1 }
              right: { type: test_source, count: 1 }
            transforms:
              wide: { type: enrich, inputs: [left], fields: { t: "1" }, parallelism: 3 }
            sinks:
              out: { type: test_sink, inputs: [wide, right] }
            """)
        #expect(names(plan) == [["wide"], ["out"]])
        // Three copies of `wide` and the one `right` each send their own end.
        #expect(plan.nodes[1].producerCount == 4)
        #expect(plan.nodes[1].inputs.map(\.stage) == ["wide", "right"])
        #expect(plan.sources.map(\.outlets) == [[0], [1]])
    }

    @Test func aNamedOutputFeedsItsReaderFromItsOwnPort() throws {
        let plan = try plan(
            """
            sources:
              requests: { type: test_source, count: 1 }
            transforms:
              by_status:
                type: route
                inputs: [requests]
                routes: { errors: value >= 500 }
            sinks:
              errors: { type: test_sink, inputs: [by_status.errors] }
              rest: { type: test_sink, inputs: [by_status] }
            """)
        #expect(names(plan) == [["by_status"], ["errors"], ["rest"]])
        #expect(plan.nodes[0].outlets == [[2], [1]])
        #expect(plan.nodes[1].inputs.map(\.label) == ["by_status.errors"])
        #expect(plan.nodes[1].inputs.map(\.port) == [1])
    }

    @Test func parallelCopiesAreFedByTheirPartitionFieldsOrInTurn() throws {
        let plan = try plan(
            """
            sources:
              events: { type: test_source, count: 1 }
            transforms:
              tag: { type: enrich, inputs: [events], fields: { t: "1" }, parallelism: 2 }
            aggregations:
              per_key:
                type: aggregate
                inputs: [tag]
                group_by: [key]
                metrics: { n: count() }
                parallelism: 4
            sinks:
              out: { type: test_sink, inputs: [per_key] }
            """)
        // Different parallelism keeps `tag` and `per_key` apart: a batch must be re-spread between them.
        #expect(names(plan) == [["tag"], ["per_key"], ["out"]])
        #expect(plan.nodes.map(\.copies) == [2, 4, 1])
        #expect(plan.nodes[0].spread == .roundRobin)
        #expect(plan.nodes[1].spread == .partition([FieldPath("key")!]))
        #expect(plan.nodes[2].spread == .single)
        #expect(plan.nodes.map(\.producerCount) == [1, 2, 4])
        #expect(plan.queueCount == 7)
    }

    @Test func copiesWithTheSameParallelismRunAsOneChainPerCopy() throws {
        let plan = try plan(
            """
            sources:
              events: { type: test_source, count: 1 }
            transforms:
              tag: { type: enrich, inputs: [events], fields: { t: "1" }, parallelism: 2 }
              keep: { type: filter, inputs: [tag], condition: value >= 0, parallelism: 2 }
            sinks:
              out: { type: test_sink, inputs: [keep] }
            """)
        #expect(names(plan) == [["tag", "keep"], ["out"]])
        #expect(plan.nodes.map(\.copies) == [2, 1])
        #expect(plan.nodes[1].producerCount == 2)
    }

    @Test func theTextDrawingShowsNodesQueuesAndSpread() throws {
        let plan = try plan(
            """
            name: drawn
            sources:
              events: { type: test_source, count: 1 }
            transforms:
              tag: { type: enrich, inputs: [events], fields: { t: "1" } }
            aggregations:
              per_key: { type: aggregate, inputs: [tag], group_by: [key], metrics: { n: count() }, parallelism: 2 }
            sinks:
              out: { type: test_sink, inputs: [per_key] }
            """)
        #expect(
            PlanRenderer.render(plan, as: .text) == """
                pipeline drawn (test.yaml): 4 stages in 1 source and 3 nodes with 4 queues
                  events (source test_source) → n1
                  n1: 1 queue of 1000 events; ends after 1 producer → n2
                    tag (transform enrich) ← events
                  n2: 2 queues of 1000 events, partitioned by key; ends after 1 producer → n3
                    per_key (aggregation aggregate ×2) ← tag
                  n3: 1 queue of 1000 events; ends after 2 producers
                    out (sink test_sink) ← per_key

                """)
    }
}
