import SluiceCore
import SluiceKafka
import SluiceTesting
import Testing

@testable import SluiceStages

#if canImport(Glibc)
    import Glibc
#endif

/// The `kafka` source against librdkafka's mock cluster, with the test standing in for the sinks: what it
/// decodes and rejects, that it commits only what was acknowledged, and no further than the lowest
/// contiguous acknowledged offset, that it pauses at `max_in_flight`, drains partitions it gives up in a
/// rebalance, and reports its lag per partition.
@Suite(.serialized) struct KafkaSourceTests {
    @Test func decodesRecordsAndRejectsBadOnesNamingTheirPartitionAndOffset() throws {
        let cluster = try KafkaTestCluster(partitions: 1)
        let large = "{\"s\":\"" + String(repeating: "x", count: 2_000) + "\"}"
        try cluster.write(["{\"n\":1}", "{\"n\":", "", "{\"n\":2}\r\n{\"n\":3}\n", "[1]", large, "{\"n\":4}"])
        let run = try KafkaSourceRun(try cluster.sourceConfig(group: "decoding", "max_record_bytes: 1KiB"))
        try waitUntil("4 events") { run.output.events.count >= 4 }
        run.acknowledge()
        try run.stop().get()
        #expect(run.output.events.map { $0["n"] } == [1, 2, 3, 4])
        #expect(run.output.rejections.map(\.reason) == [.malformedJSON, .notAnObject, .recordTooLarge])
        let messages = run.output.rejections.map(\.message)
        #expect(messages[0].hasPrefix("events[0]@1: "))
        #expect(messages[1].hasPrefix("events[0]@4: "))
        #expect(messages[2] == "events[0]@5: value of 2008 bytes is larger than max_record_bytes (1024)")
        #expect(run.output.counters[.emptyRecords] == 1)
        // Rejected and empty records are behind the commit too: nothing is read again.
        #expect(try cluster.committed(group: "decoding") == [7])
    }

    @Test(arguments: [("json", ["[{\"n\":1},{\"n\":2}]", "{\"n\":3}"], "n"), ("lines", ["a\nb", "c"], "message")])
    func decodesValuesAsTheFileSourceDecodesFiles(decoding: String, values: [String], field: String) throws {
        let cluster = try KafkaTestCluster(partitions: 1)
        try cluster.write(values)
        let run = try KafkaSourceRun(try cluster.sourceConfig(group: "formats", "decoding: \(decoding)"))
        try waitUntil("3 events") { run.output.events.count >= 3 }
        run.acknowledge()
        try run.stop().get()
        let expected: [Value] = field == "n" ? [1, 2, 3] : ["a", "b", "c"]
        #expect(run.output.events.map { $0[FieldName(field)] } == expected)
    }

    @Test func commitsNoFurtherThanTheLowestContiguousAcknowledgedOffset() throws {
        let cluster = try KafkaTestCluster(partitions: 1)
        try cluster.writeNumbered(100, to: 0)
        let run = try KafkaSourceRun(
            try cluster.sourceConfig(group: "contiguous", "commit_interval: 50ms"), batchSize: 10)
        try waitUntil("100 events") { run.output.events.count >= 100 }
        // Every batch but the one holding record 50 reaches the sinks.
        let held = try #require(run.output.batches.firstIndex { $0.events.contains { $0["n"] == 50 } })
        let heldFirst = Int64(try #require(run.output.batches[held].events.first?["n"]?.number))
        run.acknowledge { index, _ in index != held }
        try waitUntil("a commit up to the held batch") { try cluster.committed(group: "contiguous") == [heldFirst] }
        for _ in 0..<5 {
            #expect(try cluster.committed(group: "contiguous") == [heldFirst])
            usleep(100_000)
        }
        run.acknowledge()
        try waitUntil("a commit of everything") { try cluster.committed(group: "contiguous") == [100] }
        try run.stop().get()
    }

    @Test func pausesAtMaxInFlightUntilAcknowledgedRecordsAreCommitted() throws {
        let cluster = try KafkaTestCluster(partitions: 2)
        try cluster.writeNumbered(300, to: 0)
        try cluster.writeNumbered(300, to: 1)
        let run = try KafkaSourceRun(
            try cluster.sourceConfig(group: "bounded", "max_in_flight: 100\ncommit_interval: 1h"), batchSize: 10)
        try waitUntil("100 events") { run.output.events.count >= 100 }
        // Nothing is acknowledged, so nothing can be committed: reading stays paused.
        usleep(1_000_000)
        #expect(run.output.events.count == 100)
        try waitUntil("all 600 events, acknowledged as they come") {
            run.acknowledge()
            return run.output.events.count >= 600
        }
        run.acknowledge()
        // The last records wait for the stop's commit (commit_interval is an hour).
        try run.stop().get()
        #expect(try cluster.committed(group: "bounded") == [300, 300])
        #expect(Set(KafkaTestCluster.numbers(run.output.events)).count == 600)
    }

    @Test func reportsEachPartitionsLagUntilItsRecordsAreCommitted() throws {
        let cluster = try KafkaTestCluster(partitions: 3)
        for partition: Int32 in 0..<3 { try cluster.writeNumbered(50 + Int(partition), to: partition) }
        let run = try KafkaSourceRun(try cluster.sourceConfig(group: "lagging", "commit_interval: 50ms"))
        let unread = [0, 1, 2].map { PartitionLag(topic: "events", partition: $0, records: 50 + $0) }
        try waitUntil("a lag report of every partition") { run.output.lag == unread }
        run.acknowledge()
        let caughtUp = [0, 1, 2].map { PartitionLag(topic: "events", partition: $0, records: 0) }
        try waitUntil("no lag left") { run.output.lag == caughtUp }
        try run.stop().get()
    }

    @Test func stopsWithoutCommittingPastEventsLostDownstream() throws {
        let cluster = try KafkaTestCluster(partitions: 1)
        try cluster.writeNumbered(100, to: 0)
        let run = try KafkaSourceRun(try cluster.sourceConfig(group: "losing", "commit_interval: 50ms"), batchSize: 10)
        try waitUntil("100 events") { run.output.events.count >= 100 }
        let lost = try #require(run.output.batches.firstIndex { $0.events.contains { $0["n"] == 30 } })
        let lostFirst = Int64(try #require(run.output.batches[lost].events.first?["n"]?.number))
        let failure = AckFailure(stage: "out", reason: .stageError, message: "disk on fire")
        run.acknowledge(.failed(failure)) { index, _ in index == lost }
        run.acknowledge()
        guard case .failure(let error) = try run.waitUntilReturned() else {
            Issue.record("the source went on past a lost batch")
            return
        }
        #expect("\(error)".contains("events[0]"))
        #expect(try cluster.committed(group: "losing") == [lostFirst])
    }
}
