import CRdKafka

/// librdkafka's built-in mock cluster: brokers in this process that speak the real Kafka protocol on
/// 127.0.0.1, for tests and benchmarks. Other processes reach it through `bootstrapServers`.
///
/// It keeps at most 5 MiB or 100,000 message sets per partition and silently drops older ones: keep what
/// a test writes to each partition under that.
public final class KafkaMockCluster: @unchecked Sendable {
    private let owner: ClientHandle
    private let cluster: OpaquePointer

    /// The brokers' addresses, for `bootstrap.servers`.
    public let bootstrapServers: String

    /// Starts a cluster of `brokers` brokers.
    public init(brokers: Int = 3) throws(KafkaError) {
        // The cluster lives inside a client handle; a quiet producer that never produces owns it.
        owner = try ClientHandle(
            RD_KAFKA_PRODUCER, settings: KafkaSettings([("log_level", "3")]), hooks: ClientHooks(log: { _ in }),
            operation: "start the mock cluster")
        guard let cluster = rd_kafka_mock_cluster_new(owner.pointer, Int32(brokers)) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, operation: "start the mock cluster")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates `topic` with `partitions` partitions.
    public func createTopic(_ topic: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let code = rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(replicationFactor))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code, operation: "create topic '\(topic)'") }
    }
}
