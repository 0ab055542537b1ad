import SluiceCore
import SluiceKafka
import SluiceTesting
import Testing

@testable import SluiceStages

/// The `kafka` sink against librdkafka's mock cluster: records keep their order per key in one partition,
/// a record too large is dropped and counted while the rest are written, and its options are checked
/// before anything runs.
@Suite struct KafkaSinkTests {
    /// A sink config writing to `events` of `cluster`, with more options as YAML lines.
    static func config(_ cluster: KafkaTestCluster, _ options: String = "") throws -> KafkaSinkConfig {
        let (config, diagnostics) = loadConfig(
            KafkaSink.self, yaml: "brokers: \(cluster.brokers)\ntopic: events\n\(options)")
        return try #require(config, "\(diagnostics)")
    }

    @Test(arguments: ["none", "zstd"])
    func recordsWithTheSameKeyGoToOnePartitionInOrder(compression: String) throws {
        let cluster = try KafkaTestCluster(partitions: 6)
        let users = ["ada", "grace", "linus", "barbara", "ken", "dennis", "edsger"]
        let events = (0..<700).map { Event(["user": .string(users[$0 % users.count]), "seq": .int(Int64($0))]) }
        let harness = try ProcessorHarness(try Self.config(cluster, "key: user\ncompression: \(compression)"))
        // Several batches, as the engine hands them over.
        let run = try harness.run(
            stride(from: 0, to: 700, by: 100).map { EventBatch(events: Array(events[$0..<$0 + 100])) })
        #expect(run.drops.isEmpty)
        #expect(run.bytesWritten > 0)

        let records = try cluster.read(700)
        var partitionOfUser: [String: Set<Int32>] = [:]
        var sequenceOfUser: [String: [Int]] = [:]
        var json = JSONReader()
        for (partition, value) in records {
            let event = try json.readEvent(value)
            let user = try #require(event["user"]?.stringValue)
            partitionOfUser[user, default: []].insert(partition)
            sequenceOfUser[user, default: []].append(Int(try #require(event["seq"]?.number)))
        }
        #expect(partitionOfUser.values.allSatisfy { $0.count == 1 })
        #expect(Set(partitionOfUser.values.flatMap { $0 }).count > 1, "every key went to one partition")
        for (index, user) in users.enumerated() {
            #expect(
                sequenceOfUser[user] == Array(stride(from: index, to: 700, by: users.count)), "\(user) out of order")
        }
    }

    @Test func aRecordTooLargeIsDroppedAndCountedAndTheOthersAreWritten() throws {
        let cluster = try KafkaTestCluster(partitions: 1)
        let harness = try ProcessorHarness(try Self.config(cluster, "max_record_bytes: 1000"))
        let events = [
            Event(["n": 1]), Event(["n": 2, "blob": .string(String(repeating: "x", count: 5_000))]), Event(["n": 3]),
        ]
        let run = try harness.run([EventBatch(events: events)])
        #expect(run.drops == [.recordTooLarge: 1])
        #expect(try cluster.read(2).map(\.value) == [#"{"n":1}"#, #"{"n":3}"#])
    }

    @Test func keysThatAreNotStringsAreWrittenAsJSONAndNullSpreadsRecords() throws {
        let cluster = try KafkaTestCluster(partitions: 1)
        let harness = try ProcessorHarness(try Self.config(cluster, "key: id"))
        try harness.run([EventBatch(events: [Event(["id": 7]), Event(["id": .null]), Event(["other": 1])])])
        #expect(try cluster.read(3).count == 3)
    }

    @Test func optionsThatLibrdkafkaOrTheSinkRefuseAreReportedWhereTheyAreWritten() {
        let (config, diagnostics) = loadConfig(
            KafkaSink.self,
            yaml: """
                brokers: localhost:9092
                topic: events
                acks: leader
                compression: brotli
                librdkafka_options:
                  enable.idempotence: "false"
                  no.such.property: "1"
                  linger.ms: "5"
                """)
        #expect(config == nil)
        let errors = diagnostics.all.map { "\($0.location?.line ?? 0): \($0.message)" }
        #expect(errors.contains { $0.hasPrefix("3: ") && $0.contains("acks") })
        #expect(errors.contains { $0.hasPrefix("4: ") && $0.contains("compression") })
        #expect(
            errors.contains {
                $0 == "6: 'enable.idempotence' is set by the stage and cannot be set in librdkafka_options"
            })
        #expect(errors.contains { $0.hasPrefix("7: librdkafka_options: No such configuration property") })
        #expect(errors.contains { $0 == "8: 'linger.ms' is set by the stage and cannot be set in librdkafka_options" })
    }
}
