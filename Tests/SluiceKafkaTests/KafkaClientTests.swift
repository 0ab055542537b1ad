import SluiceKafka
import SluiceTesting
import Testing

/// The librdkafka clients against the mock cluster: what is written is read back in order, commits are
/// stored for the group, pausing loses and repeats nothing, and a record too large is refused at once.
@Suite struct KafkaClientTests {
    /// A consumer in `group` of `cluster`, from the earliest offset, committing only when told.
    static func consumer(
        _ cluster: KafkaMockCluster, group: String, rebalances: @escaping (KafkaConsumer.Rebalance) -> Void = { _ in }
    ) throws -> KafkaConsumer {
        try KafkaConsumer(
            settings: KafkaSettings([
                ("bootstrap.servers", cluster.bootstrapServers), ("group.id", group),
                ("enable.auto.commit", "false"), ("auto.offset.reset", "earliest"),
                ("partition.assignment.strategy", "cooperative-sticky"),
            ]), log: { _ in }, rebalance: rebalances, committed: { _, _ in })
    }

    /// Payloads `{"n":0}` ... for one partition.
    static func payloads(_ count: Int) -> [[UInt8]] {
        (0..<count).map { Array("{\"n\":\($0)}".utf8) }
    }

    /// Polls `consumer` until `count` messages came (or the deadline passed), returning (partition, offset,
    /// payload) of each; `after` runs after each message.
    static func read(
        _ count: Int, from consumer: KafkaConsumer, within seconds: Double = 60,
        after: (Int) -> Void = { _ in }
    ) throws -> [(partition: Int32, offset: Int64, payload: String)] {
        var read: [(Int32, Int64, String)] = []
        try waitUntil("\(count) messages", within: seconds) {
            // Everything that is there now, before the wait's next look.
            while read.count < count, let message = consumer.poll(timeoutMilliseconds: 100) {
                guard message.error == nil else { continue }
                read.append((message.partition, message.offset, String(decoding: message.payload, as: UTF8.self)))
                after(read.count)
            }
            return read.count >= count
        }
        return read
    }

    @Test func writtenRecordsAreReadInOrderAndCommitsAreStoredForTheGroup() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("events", partitions: 2)
        let producer = try SynchronousProducer(bootstrapServers: cluster.bootstrapServers)
        try producer.write(Self.payloads(100), to: "events", partition: 0)
        try producer.write(Self.payloads(50), to: "events", partition: 1)

        let consumer = try Self.consumer(cluster, group: "readers")
        try consumer.subscribe(["events"])
        let read = try Self.read(150, from: consumer)
        for partition: Int32 in [0, 1] {
            let offsets = read.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == Array(0..<Int64(partition == 0 ? 100 : 50)))
        }
        #expect(read.first { $0.partition == 0 && $0.offset == 7 }?.payload == "{\"n\":7}")

        try consumer.commit(
            [PartitionOffset(TopicPartition("events", 0), 100), PartitionOffset(TopicPartition("events", 1), 20)],
            synchronously: true)
        let observer = try Self.consumer(cluster, group: "readers")
        let committed = try observer.committedOffsets(
            of: [TopicPartition("events", 0), TopicPartition("events", 1)], timeoutMilliseconds: 10_000)
        #expect(committed.map(\.offset) == [100, 20])
        consumer.close()
    }

    @Test func pausedPartitionsResumeWhereReadingStoppedWithoutGapsOrRepeats() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("events", partitions: 3)
        let producer = try SynchronousProducer(bootstrapServers: cluster.bootstrapServers)
        for partition: Int32 in 0..<3 { try producer.write(Self.payloads(2_000), to: "events", partition: partition) }

        let consumer = try Self.consumer(cluster, group: "pausing")
        try consumer.subscribe(["events"])
        // Pause after every 500 messages, poll a while (nothing of a paused partition may come), resume.
        var pausedReads = 0
        let read = try Self.read(6_000, from: consumer) { count in
            guard count % 500 == 0 else { return }
            let assigned = consumer.assignment()
            consumer.pause(assigned)
            for _ in 0..<5 {
                if let message = consumer.poll(timeoutMilliseconds: 20), message.error == nil { pausedReads += 1 }
            }
            consumer.resume(assigned)
        }
        #expect(pausedReads == 0)
        for partition: Int32 in 0..<3 {
            #expect(read.filter { $0.partition == partition }.map(\.offset) == Array(0..<2_000))
        }
        consumer.close()
    }

    @Test func aRecordLargerThanTheProducerAcceptsIsRefusedAtOnce() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("events", partitions: 1)
        let producer = try KafkaProducer(
            settings: KafkaSettings([("bootstrap.servers", cluster.bootstrapServers), ("message.max.bytes", "1000")]),
            log: { _ in }, delivered: { _ in })
        let topic = try producer.topic("events")
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 5_000)
        let refused = large.withUnsafeBytes { producer.produce(to: topic, partition: 0, payload: $0, tag: 0) }
        #expect(refused?.isRecordTooLarge == true)
        let small = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
        #expect(small.withUnsafeBytes { producer.produce(to: topic, partition: 0, payload: $0, tag: 1) } == nil)
    }
}
