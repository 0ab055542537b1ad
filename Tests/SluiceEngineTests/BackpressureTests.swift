import SluiceCore
import SluiceEngine
import SluiceTesting
import Testing

/// A slow consumer holds back its producers up to the source, so memory stays bounded.
@Suite struct BackpressureTests {
    @Test func slowSinkBoundsTheBacklogBetweenSourceAndSink() throws {
        let probe = "slow-\(UInt64.random(in: 0...UInt64.max))"
        let capacity = 200
        let batch = 50
        try PipelineHarness().run(
            """
            sources:
              numbers: { type: test_source, count: 4000, batch: \(batch), probe: \(probe)-src }
            sinks:
              out: { type: test_sink, inputs: [numbers], probe: \(probe), delay_ms: 2, watch: \(probe)-src }
            """, options: EngineOptions(workers: 2, queueCapacity: capacity, batchSize: batch))
        #expect(TestSink.events(probe).count == 4000)
        // Without backpressure the source would finish at once and the backlog would approach 4000.
        // With it, the backlog is at most the queue's capacity plus one batch in hand on either side.
        #expect(TestSink.largestBacklog(probe) <= capacity + 2 * batch)
    }
}
