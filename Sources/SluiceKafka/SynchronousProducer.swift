import CRdKafka

/// A producer that writes records and waits for every one's delivery report before returning: for tests
/// and benchmarks that lay out a topic's contents, not for pipelines.
public final class SynchronousProducer {
    /// The delivery reports still awaited, and the failures among those that came.
    private final class Tally {
        var pending = 0
        var failures: [KafkaError] = []
    }

    private let tally = Tally()
    private let producer: KafkaProducer

    /// A producer for the cluster at `bootstrapServers`; `settings` are set after the defaults.
    public init(bootstrapServers: String, settings: KafkaSettings = KafkaSettings()) throws(KafkaError) {
        var all = KafkaSettings([
            ("bootstrap.servers", bootstrapServers), ("linger.ms", "5"), ("partitioner", "murmur2_random"),
        ])
        for (name, value) in settings.properties { all.set(name, value) }
        let tally = tally
        producer = try KafkaProducer(settings: all, log: { _ in }) { delivery in
            tally.pending -= 1
            if let error = delivery.error { tally.failures.append(error) }
        }
    }

    /// Writes `payloads` to `partition` of `topic` and waits up to `timeoutSeconds` for them all to be written.
    public func write(
        _ payloads: [[UInt8]], to topic: String, partition: Int32, timeoutSeconds: Double = 60
    ) throws(KafkaError) {
        let handle = try producer.topic(topic)
        try write(payloads.count, timeoutSeconds: timeoutSeconds) { index in
            payloads[index].withUnsafeBytes {
                producer.produce(to: handle, partition: partition, payload: $0, tag: index)
            }
        }
    }

    /// Writes each payload with its key to `topic`, to the partition the key sends it to (murmur2, as Java
    /// clients choose), and waits up to `timeoutSeconds` for them all to be written.
    public func write(
        _ records: [(key: [UInt8], payload: [UInt8])], to topic: String, timeoutSeconds: Double = 60
    ) throws(KafkaError) {
        let handle = try producer.topic(topic)
        try write(records.count, timeoutSeconds: timeoutSeconds) { index in
            records[index].key.withUnsafeBytes { key in
                records[index].payload.withUnsafeBytes {
                    producer.produce(to: handle, key: key, payload: $0, tag: index)
                }
            }
        }
    }

    /// Queues `count` records with `produce` (waiting while the queue is full), then waits for their reports.
    private func write(_ count: Int, timeoutSeconds: Double, produce: (Int) -> KafkaError?) throws(KafkaError) {
        for index in 0..<count {
            while let refused = produce(index) {
                guard refused.isQueueFull else { throw refused }
                producer.poll(timeoutMilliseconds: 10)
            }
            tally.pending += 1
        }
        var waited = 0.0
        while tally.pending > 0 && waited < timeoutSeconds {
            producer.poll(timeoutMilliseconds: 100)
            waited += 0.1
        }
        if let failure = tally.failures.first { throw failure }
        guard tally.pending == 0 else {
            throw KafkaError(
                code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
                message: "\(tally.pending) records not delivered within \(Int(timeoutSeconds)) s", operation: "write")
        }
    }
}
