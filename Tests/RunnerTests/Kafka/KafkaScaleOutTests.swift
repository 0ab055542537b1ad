import Foundation
import SluiceKafka
import SluiceTesting
import Synchronization
import Testing

/// Two real runners in one consumer group share a 6-partition topic of librdkafka's mock cluster, which
/// lives in the test process. One is killed with SIGKILL mid-stream: the other takes over its partitions,
/// nothing is lost, what is read twice stays within the killed runner's `max_in_flight`, and the committed
/// offsets, sampled all along, never pass what the sinks' files hold.
@Suite struct KafkaScaleOutTests {
    static let partitions: Int32 = 6
    static let maxInFlight = 1_000

    /// A runner's pipeline: the shared topic into a file of its own.
    static func pipeline(brokers: String, output: URL) -> String {
        """
        name: share
        sources:
          events:
            type: kafka
            brokers: \(brokers)
            topics: [events]
            group_id: sharers
            max_in_flight: \(maxInFlight)
            commit_interval: 100ms
            librdkafka_options:
              session.timeout.ms: "6000"
              heartbeat.interval.ms: "500"
        sinks:
          out:
            type: file
            inputs: [events]
            path: \(output.path)
        """
    }

    /// The (partition, n) of each whole line of an NDJSON file of `{"p":…,"n":…}` events.
    static func records(in file: URL) -> [Record] {
        guard let data = try? Data(contentsOf: file) else { return [] }
        // A line being written may be cut: only lines ending in a newline count.
        let text = String(decoding: data, as: UTF8.self)
        let whole = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
        return whole.split(separator: "\n").compactMap { line in
            let numbers = line.split { !$0.isNumber }.compactMap { Int64($0) }
            return numbers.count == 2 ? Record(partition: numbers[0], n: numbers[1]) : nil
        }
    }

    /// A record of the topic: its partition, and its number there (its offset).
    struct Record: Hashable {
        var partition: Int64
        var n: Int64
    }

    /// Samples the group's committed offsets against the files: every record before a committed offset
    /// must be in a file already. Reads the offsets first, then the files, which only grow.
    final class CommitSampler: Sendable {
        private let state = Mutex((samples: 0, withCommits: 0, violations: [String]()))
        private let running = Atomic(true)

        init(brokers: String, files: [URL]) {
            Thread.detachNewThread { [self] in
                guard
                    let observer = try? KafkaConsumer(
                        settings: KafkaSettings([("bootstrap.servers", brokers), ("group.id", "sharers")]),
                        log: { _ in },
                        rebalance: { _ in }, committed: { _, _ in })
                else { return }
                let partitions = (0..<KafkaScaleOutTests.partitions).map { TopicPartition("events", $0) }
                while running.load(ordering: .relaxed) {
                    if let committed = try? observer.committedOffsets(of: partitions, timeoutMilliseconds: 5_000) {
                        let written = Set(files.flatMap(KafkaScaleOutTests.records))
                        state.withLock { state in
                            state.samples += 1
                            if committed.contains(where: { $0.offset > 0 }) { state.withCommits += 1 }
                            for entry in committed where entry.offset > 0 {
                                let partition = Int64(entry.partition.partition)
                                if let missing = (0..<entry.offset).first(where: {
                                    !written.contains(Record(partition: partition, n: $0))
                                }) {
                                    state.violations.append(
                                        "\(entry.partition) committed at \(entry.offset) but record \(missing) is in no file"
                                    )
                                }
                            }
                        }
                    }
                    usleep(200_000)
                }
            }
        }

        func stop() -> (samples: Int, withCommits: Int, violations: [String]) {
            running.store(false, ordering: .relaxed)
            return state.withLock { $0 }
        }
    }

    @Test func aKilledRunnersPartitionsMoveToTheOtherWithNothingLostAndFewRepeats() throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("events", partitions: Int(Self.partitions))
        let folders = try [temporaryFolder(), temporaryFolder()]
        let outputs = folders.map { $0.appendingPathComponent("out.ndjson") }
        let runners = try zip(folders, outputs).map { folder, output in
            let file = folder.appendingPathComponent("share.yaml")
            try Self.pipeline(brokers: cluster.bootstrapServers, output: output).write(
                to: file, atomically: true, encoding: .utf8)
            return try RunnerProcess(["apply", "--no-watch", file.path])
        }
        let survivor = runners[1]
        defer { survivor.send(SIGKILL) }
        let sampler = CommitSampler(brokers: cluster.bootstrapServers, files: outputs)

        let producer = try SynchronousProducer(bootstrapServers: cluster.bootstrapServers)
        var written = [Int](repeating: 0, count: Int(Self.partitions))
        /// Writes one round of 10 records to every partition; a few hundred rounds stay far below the mock
        /// cluster's 5 MiB per partition.
        func writeRound() throws {
            for partition in 0..<Int(Self.partitions) {
                let numbers = written[partition]..<written[partition] + 10
                try producer.write(
                    numbers.map { Array("{\"p\":\(partition),\"n\":\($0)}".utf8) }, to: "events",
                    partition: Int32(partition))
                written[partition] += 10
            }
            usleep(20_000)
        }
        // Records keep coming until both runners have written some: both own partitions.
        while outputs.contains(where: { Self.records(in: $0).isEmpty }) {
            try writeRound()
            try #require(written[0] < 3_000, "both runners never wrote: \(runners.map(\.stderrSoFar))")
        }
        let killed = runners[0]
        killed.send(SIGKILL)
        _ = killed.wait(within: 60)
        let partitionsOfKilled = Set(Self.records(in: outputs[0]).map(\.partition))
        // More records for every partition: the survivor has to take over the killed runner's.
        for _ in 0..<50 { try writeRound() }

        let expected = Set(
            written.enumerated().flatMap { partition, count in
                (0..<count).map { Record(partition: Int64(partition), n: Int64($0)) }
            })
        try waitUntil("every record in a file", within: 180) {
            expected.isSubset(of: Set(outputs.flatMap(Self.records)))
        }
        survivor.send(SIGTERM)
        let stopped = survivor.wait(within: 120)
        #expect(stopped.status == 0, "\(stopped.stderr.suffix(2_000))")
        let sampled = sampler.stop()

        let all = outputs.flatMap(Self.records)
        #expect(Set(all) == expected, "records lost or made up")
        let repeats = all.count - expected.count
        #expect(repeats <= Self.maxInFlight, "\(repeats) records read twice")
        let takenOver = Set(Self.records(in: outputs[1]).map(\.partition))
        #expect(partitionsOfKilled.isSubset(of: takenOver) && takenOver.count == Int(Self.partitions))
        #expect(sampled.violations.isEmpty, "\(sampled.violations.prefix(5))")
        #expect(sampled.withCommits > 0, "no commit was ever sampled (\(sampled.samples) samples)")
        // The survivor's graceful stop committed everything it read.
        let observer = try KafkaConsumer(
            settings: KafkaSettings([("bootstrap.servers", cluster.bootstrapServers), ("group.id", "sharers")]),
            log: { _ in }, rebalance: { _ in }, committed: { _, _ in })
        let committed = try observer.committedOffsets(
            of: (0..<Self.partitions).map { TopicPartition("events", $0) }, timeoutMilliseconds: 10_000)
        #expect(committed.map(\.offset) == written.map(Int64.init))
        print(
            "kafka scale-out: \(expected.count) records, \(repeats) read twice after the kill, \(sampled.samples) commit samples"
        )
    }
}
