import Foundation
import SluiceCore
import SluiceKafka
import SluiceTesting
import Synchronization
import Testing

@testable import SluiceStages

/// Two `kafka` sources in one group, with records arriving all along and a sink that acknowledges a
/// little after it receives: when the second joins, the first drains the partitions it gives up and
/// commits them before letting go, so the second reads nothing twice.
@Suite struct KafkaRebalanceTests {
    @Test func partitionsGivenUpInARebalanceAreDrainedSoTheirNextOwnerReadsNothingTwice() throws {
        let cluster = try KafkaTestCluster(partitions: 4)
        // Commits come from the rebalance (and the stop) alone.
        let config = try cluster.sourceConfig(group: "sharing", "commit_interval: 1h\ndrain_timeout: 30s")
        let first = try KafkaSourceRun(config, batchSize: 10)
        let second = Mutex<KafkaSourceRun?>(nil)
        let acknowledging = Atomic(true)
        // A slow sink: each batch is acknowledged up to 20 ms after it arrived, so some are always in flight.
        let acknowledger = Thread {
            while acknowledging.load(ordering: .relaxed) {
                first.acknowledge()
                second.withLock { $0?.acknowledge() }
                usleep(20_000)
            }
        }
        acknowledger.start()
        defer { acknowledging.store(false, ordering: .relaxed) }

        let producer = try SynchronousProducer(bootstrapServers: cluster.brokers)
        var written = [Int](repeating: 0, count: 4)
        var roundsSinceSecondRead = 0
        while roundsSinceSecondRead < 20 {
            for partition in 0..<4 {
                try producer.write(
                    KafkaTestCluster.numbered(Int32(partition), written[partition]..<written[partition] + 5),
                    to: "events", partition: Int32(partition))
                written[partition] += 5
            }
            if first.output.events.count >= 100 {
                try second.withLock { if $0 == nil { $0 = try KafkaSourceRun(config, batchSize: 10) } }
            }
            if second.withLock({ $0?.output.events.isEmpty == false }) { roundsSinceSecondRead += 1 }
            // Well under the mock cluster's 5 MiB per partition.
            try #require(written[0] < 5_000, "the second source never received a record")
            usleep(20_000)
        }
        let total = written.reduce(0, +)
        let both = { first.output.events + second.withLock { $0?.output.events ?? [] } }
        try waitUntil("every record read") { Set(KafkaTestCluster.numbers(both())).count == total }
        try first.stop().get()
        try second.withLock { try $0?.stop().get() }

        let read = KafkaTestCluster.numbers(both())
        #expect(read.count == total, "\(read.count - total) records read twice")
        let partitionsOfSecond = Set(
            KafkaTestCluster.numbers(second.withLock { $0?.output.events ?? [] }).map(\.partition))
        #expect(!partitionsOfSecond.isEmpty && partitionsOfSecond.count < 4)
    }
}
