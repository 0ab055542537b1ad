import SluiceCore
import SluiceKafka

/// `type: kafka` (sink): writes each event as a JSON record with an idempotent producer (`acks: all`);
/// a batch is done when Kafka has acknowledged every record of it.
extension KafkaSink: SinkStage {
    typealias Config = KafkaSinkConfig
    static let typeName = "kafka"
    static let summary =
        "Writes events as JSON records to a Kafka topic with an idempotent producer; records with the same key stay in order."
    static let options: [OptionDoc] =
        [
            OptionDoc("topic", "string", "The topic to write to; it must exist (or the brokers must create it)."),
            OptionDoc(
                "key", "expression", default: "none",
                "Each record's key: records with the same key go to the same partition (murmur2, as Java "
                    + "clients choose) and stay in order. A string is written as its UTF-8 bytes, other values as "
                    + "JSON; null (or no `key`) spreads records over the partitions."),
            OptionDoc(
                "compression", "none | gzip | snappy | lz4 | zstd", default: "none",
                "How the producer compresses its batches of records."),
            OptionDoc(
                "acks", "all", default: "all",
                "Every in-sync replica must have a record before it counts as written; the producer is idempotent, "
                    + "which needs `all`, so a retried record is not written twice and records keep their order."),
            OptionDoc(
                "linger", "duration", default: "5ms",
                "How long the producer waits to fill a batch of records (librdkafka's linger.ms)."),
            OptionDoc(
                "batch_max_bytes", "size", default: "1MiB",
                "Largest batch of records the producer sends to one partition at once (librdkafka's batch.size)."),
            OptionDoc(
                "max_record_bytes", "size", default: "1MiB",
                "Largest record; a larger one, or one the brokers refuse as too large, is dropped "
                    + "(`record_too_large`, logged) instead of being tried again. At most the brokers' "
                    + "`message.max.bytes`."),
            OptionDoc(
                "delivery_timeout", "duration", default: "30s",
                "How long the producer keeps retrying a record before reporting it undelivered. The sink then "
                    + "produces it again after a pause, until it is written (counted as delivery_retries): the "
                    + "pipeline waits rather than lose it, and the shutdown limit ends the wait."),
        ] + KafkaClientOptions.docs(reserved: KafkaSinkConfig.reservedProperties)
    static let example = """
        name: kafka_sink_example
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              user: choice(["ada", "grace", "linus"])
              value: uniform(0, 1000)
        sinks:
          out:
            type: kafka
            inputs: [clicks]
            brokers: ${KAFKA_BROKERS:-localhost:9092}
            topic: clicks
            key: user
            compression: lz4
            acks: all
        """
}

/// The options of a `kafka` sink.
public struct KafkaSinkConfig: ProcessorConfig {
    /// How batches of records are compressed.
    public enum Compression: String, CaseIterable, Sendable {
        case none, gzip, snappy, lz4, zstd
    }

    /// Which replicas must have a record before it counts as written.
    public enum Acks: String, CaseIterable, Sendable {
        case all
    }

    /// librdkafka properties the sink sets for its guarantees (or from its own options).
    static let reservedProperties = [
        "bootstrap.servers", "enable.idempotence", "acks", "request.required.acks", "compression.codec",
        "compression.type", "linger.ms", "queue.buffering.max.ms", "batch.size", "message.max.bytes",
        "message.timeout.ms", "delivery.timeout.ms", "partitioner",
    ]

    var client: KafkaClientOptions
    public var topic: String
    public var key: Expression?
    public var compression: Compression
    public var acks: Acks
    public var linger: ConfigDuration
    public var batchMaxBytes: ConfigSize
    public var maxRecordBytes: ConfigSize
    public var deliveryTimeout: ConfigDuration

    public init?(reading reader: inout OptionsReader) {
        let client = KafkaClientOptions(reading: &reader, reserved: Self.reservedProperties)
        let topic = reader.requiredString("topic")
        if topic?.isEmpty == true {
            reader.error(.invalidValue, "option 'topic' must not be empty", at: reader.location(of: "topic"))
        }
        key = reader.expression("key")
        let compression = reader.choice("compression", as: Compression.self)
        let acks = reader.choice("acks", as: Acks.self)
        let linger = reader.duration("linger")
        let batchMaxBytes = reader.size("batch_max_bytes")
        let maxRecordBytes = reader.size("max_record_bytes")
        let deliveryTimeout = reader.duration("delivery_timeout")
        // librdkafka's own limits for these properties.
        if let linger, !(0...900_000).contains(linger.milliseconds) {
            reader.error(
                .invalidValue, "option 'linger' must be between 0ms and 900s", at: reader.location(of: "linger"))
        }
        for (key, size) in [("batch_max_bytes", batchMaxBytes), ("max_record_bytes", maxRecordBytes)] {
            if let size, !(1_000...1_000_000_000).contains(size.bytes) {
                reader.error(
                    .invalidValue, "option '\(key)' must be between 1000 bytes and 1GB", at: reader.location(of: key))
            }
        }
        if let deliveryTimeout, deliveryTimeout.milliseconds <= 0 {
            reader.error(
                .invalidValue, "option 'delivery_timeout' must be longer than 0ms",
                at: reader.location(of: "delivery_timeout"))
        }
        guard let client, let topic, !reader.diagnostics.hasErrors else { return nil }
        self.client = client
        self.topic = topic
        self.compression = compression ?? .none
        self.acks = acks ?? .all
        self.linger = linger ?? ConfigDuration(milliseconds: 5)
        self.maxRecordBytes = maxRecordBytes ?? ConfigSize(bytes: 1 << 20)
        self.batchMaxBytes = batchMaxBytes ?? ConfigSize(bytes: 1 << 20)
        self.deliveryTimeout = deliveryTimeout ?? ConfigDuration(milliseconds: 30_000)
    }

    /// The producer's librdkafka settings.
    var settings: KafkaSettings {
        client.settings([
            ("enable.idempotence", "true"), ("acks", acks.rawValue), ("compression.codec", compression.rawValue),
            ("linger.ms", String(linger.milliseconds)), ("batch.size", String(batchMaxBytes.bytes)),
            ("message.max.bytes", String(maxRecordBytes.bytes)),
            ("message.timeout.ms", String(deliveryTimeout.milliseconds)),
            ("partitioner", "murmur2_random"),
        ])
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        try KafkaSink(config: self, context: context)
    }
}

extension StageCounter {
    /// Rounds of producing again records Kafka reported undelivered after `delivery_timeout`.
    static let deliveryRetries: StageCounter = "delivery_retries"
}

/// The running `kafka` sink: produces a batch's records and returns once Kafka has acknowledged each one,
/// so the engine's acknowledgement of the batch means it is in Kafka.
final class KafkaSink: Processor {
    /// The outcomes of the records of the batch being written, filled in by delivery reports.
    private final class Outcomes {
        var pending = 0
        var failed: [(index: Int, error: KafkaError)] = []
    }

    private let config: KafkaSinkConfig
    private let log: StageLog
    private let shutdown: ShutdownSignal
    private let outcomes: Outcomes
    private let producer: KafkaProducer
    private let topic: KafkaTopic
    private var context = EvaluationContext()
    private var record = JSONWriter(capacity: 4_096)
    private var key = JSONWriter(capacity: 64)
    /// The size of each record of the batch being written, by index, for the bytes-out count.
    private var recordBytes: [Int] = []

    init(config: KafkaSinkConfig, context: StageContext) throws {
        self.config = config
        log = context.log
        shutdown = context.shutdown
        let outcomes = Outcomes()
        self.outcomes = outcomes
        do {
            producer = try KafkaProducer(settings: config.settings, log: kafkaLogForwarder(context.log)) { delivery in
                outcomes.pending -= 1
                if let error = delivery.error { outcomes.failed.append((delivery.tag, error)) }
            }
            topic = try producer.topic(config.topic)
        } catch {
            throw StageFailure("cannot create the Kafka producer: \(error)")
        }
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        let events = batch.events
        recordBytes = Array(repeating: 0, count: events.count)
        var waiting = Array(events.indices)
        var retries = 0
        defer {
            output.count(.deliveryRetries, retries)
            output.countTypeMismatches(in: &context)
        }
        while true {
            outcomes.failed.removeAll()
            for index in waiting { try produce(events[index], index: index, output: &output) }
            try awaitDeliveryReports()
            waiting = sortedRetriable(output: &output)
            output.bytesWritten += deliveredBytes(excluding: waiting)
            guard !waiting.isEmpty else { return }
            retries += 1
            let reason = outcomes.failed.first.map { " (\($0.error))" } ?? ""
            log.warn(
                counter: .deliveryRetries,
                "\(waiting.count) records not delivered to '\(config.topic)' within delivery_timeout\(reason); "
                    + "producing them again")
            guard shutdown.sleep(seconds: 1) else { throw abandoned(waiting.count) }
        }
    }

    /// Queues one event's record, waiting while the producer's queue is full. A record the producer refuses
    /// as too large is dropped.
    private func produce(_ event: Event, index: Int, output: inout ProcessorOutput) throws {
        record.reset()
        record.write(event)
        let keyBytes = keyOf(event)
        while true {
            let refused = record.bytes.withUnsafeBytes { value in
                withKey(keyBytes) { producer.produce(to: topic, key: $0, payload: value, tag: index) }
            }
            guard let refused else {
                outcomes.pending += 1
                recordBytes[index] = record.bytes.count
                return
            }
            if refused.isRecordTooLarge {
                dropTooLarge(record.bytes.count, output: &output)
                return
            }
            guard refused.isQueueFull else { throw StageFailure("cannot produce to '\(config.topic)': \(refused)") }
            guard !shutdown.isAbandoned else { throw abandoned(outcomes.pending) }
            producer.poll(timeoutMilliseconds: 10)
        }
    }

    /// Serves delivery reports until every queued record has one.
    private func awaitDeliveryReports() throws {
        while outcomes.pending > 0 {
            producer.poll(timeoutMilliseconds: 100)
            if let fatal = producer.fatalError { throw StageFailure("the Kafka producer failed: \(fatal)") }
            if shutdown.isAbandoned { throw abandoned(outcomes.pending) }
        }
    }

    /// The records reported undelivered that are worth producing again, in batch order (so records of one
    /// key keep their order); those the brokers refused as too large are dropped.
    private func sortedRetriable(output: inout ProcessorOutput) -> [Int] {
        var retriable: [Int] = []
        for (index, error) in outcomes.failed {
            if error.isRecordTooLarge {
                dropTooLarge(recordBytes[index], output: &output)
                recordBytes[index] = 0
            } else {
                retriable.append(index)
            }
        }
        return retriable.sorted()
    }

    /// The bytes of the records written, leaving out those still `waiting` and clearing what was counted.
    private func deliveredBytes(excluding waiting: [Int]) -> Int {
        var total = 0
        let retried = Set(waiting)
        for index in recordBytes.indices where !retried.contains(index) {
            total += recordBytes[index]
            recordBytes[index] = 0
        }
        return total
    }

    private func dropTooLarge(_ size: Int, output: inout ProcessorOutput) {
        output.drop(
            1, reason: .recordTooLarge,
            message: "record of \(size) bytes is larger than '\(config.topic)' accepts (max_record_bytes "
                + "\(config.maxRecordBytes.bytes), or the brokers' limit); dropped")
    }

    /// The key of `event`'s record: a string's bytes, any other value's JSON text, nil for null.
    private func keyOf(_ event: Event) -> [UInt8]? {
        guard let expression = config.key else { return nil }
        switch expression.evaluate(event, context: &context) {
        case .null: return nil
        case .string(let text): return Array(text.utf8)
        case let value:
            key.reset()
            key.write(value)
            return key.bytes
        }
    }

    private func withKey<Result>(_ key: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let key else { return body(nil) }
        return key.withUnsafeBytes { body($0) }
    }

    private func abandoned(_ count: Int) -> StageFailure {
        StageFailure("\(count) records not acknowledged by Kafka ('\(config.topic)') when the shutdown limit passed")
    }
}
