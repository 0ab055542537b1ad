import SluiceCore
import SluiceTesting
import Synchronization
import Testing

@testable import SluiceStages

/// A source running on its own thread with a collecting output, standing in for the engine and the sinks:
/// the test acknowledges the batches it received.
final class KafkaSourceRun: Sendable {
    let output: CollectingSourceOutput
    private let running: RunningSource
    /// The batches acknowledged so far, by index.
    private let acknowledged = Mutex(Set<Int>())

    init(_ config: KafkaSourceConfig, batchSize: Int = 100) throws {
        output = CollectingSourceOutput(batchSize: batchSize, keepsBatchesAfterStop: true)
        running = RunningSource(try makeSource(config), output: output)
    }

    /// Acknowledges the received batches `selected` picks (every one not acknowledged yet by default),
    /// as delivered or with `outcome`.
    func acknowledge(_ outcome: AckOutcome = .delivered, where selected: (Int, EventBatch) -> Bool = { _, _ in true }) {
        acknowledged.withLock { done in
            for (index, batch) in output.batches.enumerated() where !done.contains(index) && selected(index, batch) {
                batch.acknowledgements.release(outcome)
                done.insert(index)
            }
        }
    }

    /// Stops the source and waits for it to return; its result.
    @discardableResult
    func stop() throws -> Result<Void, any Error> {
        output.stop()
        return try waitUntilReturned()
    }

    /// Waits for the source to return by itself (a failure); its result.
    func waitUntilReturned() throws -> Result<Void, any Error> {
        try #require(running.wait(timeout: 60), "the kafka source did not return")
    }
}

extension KafkaTestCluster {
    /// A `kafka` source config reading `events` in group `group`, with more options as YAML lines.
    func sourceConfig(group: String, _ options: String = "") throws -> KafkaSourceConfig {
        let (config, diagnostics) = loadConfig(
            KafkaSource.self,
            yaml: """
                brokers: \(brokers)
                topics: [events]
                group_id: \(group)
                librdkafka_options:
                  session.timeout.ms: "6000"
                  heartbeat.interval.ms: "500"
                \(options)
                """)
        return try #require(config, "\(diagnostics)")
    }
}
