import SluiceCore
import SluiceKafka
import SluiceTesting
import Testing

@testable import SluiceStages

/// A mock Kafka cluster with one topic, `events`, for the `kafka` stages' tests: records are written to
/// it, sources read it, and the group's committed offsets are read back.
final class KafkaTestCluster: Sendable {
    let mock: KafkaMockCluster
    let partitions: Int32

    init(partitions: Int32) throws {
        mock = try KafkaMockCluster()
        self.partitions = partitions
        try mock.createTopic("events", partitions: Int(partitions))
    }

    var brokers: String { mock.bootstrapServers }

    /// Writes `count` records `{"p":partition,"n":n}` to `partition`, numbered from `first` (the offset each
    /// gets when the partition held `first` records before).
    func writeNumbered(_ count: Int, to partition: Int32, from first: Int = 0) throws {
        try SynchronousProducer(bootstrapServers: brokers).write(
            Self.numbered(partition, first..<first + count), to: "events", partition: partition)
    }

    /// The payloads `{"p":partition,"n":n}` for each n of `numbers`.
    static func numbered(_ partition: Int32, _ numbers: Range<Int>) -> [[UInt8]] {
        numbers.map { Array("{\"p\":\(partition),\"n\":\($0)}".utf8) }
    }

    /// Writes `values` as records of `partition`, in order.
    func write(_ values: [String], to partition: Int32 = 0) throws {
        try SynchronousProducer(bootstrapServers: brokers).write(
            values.map { Array($0.utf8) }, to: "events", partition: partition)
    }

    /// The offsets group `group` has committed for each partition of `events` (negative: none).
    func committed(group: String) throws -> [Int64] {
        let observer = try KafkaConsumer(
            settings: KafkaSettings([("bootstrap.servers", brokers), ("group.id", group)]), log: { _ in },
            rebalance: { _ in }, committed: { _, _ in })
        return try observer.committedOffsets(
            of: (0..<partitions).map { TopicPartition("events", $0) }, timeoutMilliseconds: 10_000
        ).map(\.offset)
    }

    /// Reads `count` records of `events` from the start, in a group of its own; each one's partition and
    /// value, in the order of each partition.
    func read(_ count: Int) throws -> [(partition: Int32, value: String)] {
        let consumer = try KafkaConsumer(
            settings: KafkaSettings([
                ("bootstrap.servers", brokers), ("group.id", "reader-\(UInt64.random(in: 0 ... .max))"),
                ("auto.offset.reset", "earliest"), ("enable.auto.commit", "false"),
            ]), log: { _ in }, rebalance: { _ in }, committed: { _, _ in })
        defer { consumer.close() }
        try consumer.subscribe(["events"])
        var read: [(Int32, String)] = []
        try waitUntil("\(count) records in 'events'") {
            while read.count < count, let message = consumer.poll(timeoutMilliseconds: 100) {
                guard message.error == nil else { continue }
                read.append((message.partition, String(decoding: message.payload, as: UTF8.self)))
            }
            return read.count >= count
        }
        return read
    }

    /// The records read, as (partition, n) pairs, from events `{"p":..., "n":...}`.
    static func numbers(_ events: [Event]) -> [Pair] {
        events.compactMap { event in
            guard case .int(let partition)? = event["p"], case .int(let n)? = event["n"] else { return nil }
            return Pair(partition: partition, n: n)
        }
    }

    /// A record's partition and number.
    struct Pair: Hashable, Comparable {
        var partition: Int64
        var n: Int64

        static func < (left: Pair, right: Pair) -> Bool { (left.partition, left.n) < (right.partition, right.n) }
    }
}
