import CRdKafka

/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (left: TopicPartition, right: TopicPartition) -> Bool {
        (left.topic, left.partition) < (right.topic, right.partition)
    }

    /// `topic[partition]`, as messages name a partition.
    public var description: String { "\(topic)[\(partition)]" }
}

/// A partition with an offset: where to commit, or a committed or current position.
public struct PartitionOffset: Equatable, Sendable {
    public var partition: TopicPartition
    /// The offset; for a commit, the next offset to read (one past the last one handled).
    public var offset: Int64
    /// An error librdkafka reported for this partition (a commit refused for it, say), if any.
    public var error: KafkaError?

    public init(_ partition: TopicPartition, _ offset: Int64, error: KafkaError? = nil) {
        self.partition = partition
        self.offset = offset
        self.error = error
    }
}

/// Conversions between Swift values and librdkafka's `rd_kafka_topic_partition_list_t`.
enum PartitionList {
    /// A new list holding `partitions` with their offsets; destroy it with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ partitions: [PartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for entry in partitions {
            rd_kafka_topic_partition_list_add(list, entry.partition.topic, entry.partition.partition).pointee.offset =
                entry.offset
        }
        return list
    }

    /// A new list holding `partitions` (offsets left unset).
    static func make(_ partitions: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { PartitionOffset($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
    }

    /// The partitions of `list`, with their offsets and errors.
    static func read(
        _ list: UnsafePointer<rd_kafka_topic_partition_list_t>?, operation: String
    ) -> [PartitionOffset] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            let error =
                element.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(element.err, operation: operation)
            return PartitionOffset(
                TopicPartition(String(cString: element.topic), element.partition), element.offset, error: error)
        }
    }

    /// Runs `body` with a temporary list of `partitions`.
    static func with<Result>(
        _ partitions: [PartitionOffset], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Result
    ) -> Result {
        let list = make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return body(list)
    }
}
