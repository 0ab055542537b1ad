import SluiceCore
import SluiceEngine
import SluiceStages
import SluiceTesting
import Testing

/// Every event reaches every consumer, across fan-out, fan-in, fused chains and parallel copies.
@Suite struct EngineDeliveryTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    @Test func fanOutDeliversEveryEventToEveryConsumer() throws {
        let probe = "fanout-\(UInt64.random(in: 0...UInt64.max))"
        try harness.run(
            """
            sources:
              numbers: { type: test_source, count: 5000, batch: 64 }
            sinks:
              a: { type: test_sink, inputs: [numbers], probe: \(probe)-a }
              b: { type: test_sink, inputs: [numbers], probe: \(probe)-b }
            """)
        #expect(TestSink.events("\(probe)-a").map { $0["seq"] } == (0..<5000).map { Value.int(Int64($0)) })
        #expect(TestSink.events("\(probe)-b").count == 5000)
    }

    @Test func fanInMergesBothSourcesAndFinishesOnce() throws {
        let probe = "fanin-\(UInt64.random(in: 0...UInt64.max))"
        let metrics = try harness.run(
            """
            sources:
              one: { type: test_source, count: 3000 }
              two: { type: test_source, count: 2000 }
            sinks:
              out: { type: test_sink, inputs: [one, two], probe: \(probe) }
            """)
        #expect(TestSink.events(probe).count == 5000)
        #expect(TestSink.isFinished(probe))
        #expect(metrics.first { $0.stage == "out" }?.eventsIn == 5000)
    }

    @Test(arguments: [1, 2, 4])
    func sameResultsWithAnyNumberOfWorkers(workers: Int) throws {
        let probe = "workers-\(workers)-\(UInt64.random(in: 0...UInt64.max))"
        try harness.run(
            """
            sources:
              numbers: { type: test_source, count: 20000, keys: 7, batch: 100 }
            transforms:
              keep:
                type: remove
                inputs: [numbers]
                parallelism: 3
                fields: [value]
            aggregations:
              per_key:
                type: aggregate
                inputs: [keep]
                parallelism: 2
                group_by: [key]
                metrics:
                  n: count()
                  total: sum(seq)
            sinks:
              out: { type: test_sink, inputs: [per_key], probe: \(probe) }
            """, options: EngineOptions(workers: workers))
        let rows = TestSink.events(probe).map { "\($0["key"]!) \($0["n"]!) \($0["total"]!)" }.sorted()
        let expected = (0..<7).map { k -> String in
            let seqs = Array(stride(from: k, to: 20000, by: 7))
            return "\"k\(k)\" \(seqs.count) \(seqs.reduce(0, +))"
        }.sorted()
        #expect(rows == expected)
    }

    @Test func fusedStatelessChainCountsEveryStage() throws {
        let probe = "fused-\(UInt64.random(in: 0...UInt64.max))"
        let metrics = try harness.run(
            """
            sources:
              numbers: { type: test_source, count: 1000 }
            transforms:
              a: { type: remove, inputs: [numbers], fields: [value] }
              b: { type: rename, inputs: [a], fields: { key: name } }
            sinks:
              out: { type: test_sink, inputs: [b], probe: \(probe) }
            """)
        for stage in ["a", "b", "out"] {
            #expect(metrics.first { $0.stage == stage }?.eventsIn == 1000, "stage \(stage)")
        }
        let first = TestSink.events(probe).first
        #expect(first?["name"] == .string("k0"))
        #expect(first?["value"] == nil)
    }
}
