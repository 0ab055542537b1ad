import SluiceCore
import SluiceKafka

/// `type: kafka` (source): consumes topics as a member of a consumer group, committing offsets only once
/// the sinks have acknowledged the events.
extension KafkaSource: SourceStage {
    typealias Config = KafkaSourceConfig
    static let typeName = "kafka"
    static let summary =
        "Consumes Kafka topics in a consumer group; offsets are committed once the sinks acknowledge the events."
    static let options: [OptionDoc] =
        [
            OptionDoc("topics", "[string]", "Topics to consume (a list, or one name)."),
            OptionDoc(
                "group_id", "string",
                "The consumer group. Runners (or pipelines) in one group share the topics' partitions; each "
                    + "partition is read by one member at a time."),
            OptionDoc(
                "start", "earliest | latest", default: "earliest",
                "Where a partition the group has no committed offset for starts: its first record, or records "
                    + "written from now on. A committed offset always wins."),
            OptionDoc(
                "decoding", "ndjson | json | lines", default: "ndjson",
                "How a record's value becomes events, as the file source reads a file: ndjson, each line a JSON "
                    + "object (most records hold one); json, the whole value one object or an array of objects; "
                    + "lines, each line as the field `message`. Bad input is counted and logged with "
                    + "`topic[partition]@offset`; an empty value (a tombstone) is counted as empty_records."),
            OptionDoc(
                "max_record_bytes", "size", default: "1MiB",
                "Largest record value decoded; a larger one is rejected whole as line_too_long."),
            OptionDoc(
                "max_in_flight", "integer", default: "100000",
                "Records read and not yet committed, over all partitions: at this many the source pauses its "
                    + "partitions until commits catch up. After a crash, at most this many records are read again."),
            OptionDoc(
                "commit_interval", "duration", default: "1s",
                "How often acknowledged offsets are committed (sooner when max_in_flight is reached)."),
            OptionDoc(
                "drain_timeout", "duration", default: "10s",
                "How long a rebalance (or a stop) waits for the events already read from a partition being given "
                    + "up to be acknowledged, before committing what was and letting go: what was not is read "
                    + "again by the partition's next owner."),
        ] + KafkaClientOptions.docs(reserved: KafkaSourceConfig.reservedProperties)
    static let example = """
        name: kafka_source_example
        sources:
          orders:
            type: kafka
            brokers: ${KAFKA_BROKERS:-localhost:9092}
            topics: [orders]
            group_id: sluice-orders
            start: earliest
            decoding: ndjson
            librdkafka_options:
              session.timeout.ms: "10000"
        sinks:
          out:
            type: file
            inputs: [orders]
            path: out/orders.ndjson
        """
}

/// The options of a `kafka` source.
public struct KafkaSourceConfig: SourceConfig {
    /// Where a partition without a committed offset starts.
    public enum Start: String, CaseIterable, Sendable {
        case earliest, latest
    }

    /// How a record's value becomes events.
    public enum Decoding: String, CaseIterable, Sendable {
        case ndjson, json, lines

        /// The per-line format, or `nil` for `json`, which reads a value as one document.
        var lineFormat: LineFormat? { LineFormat(rawValue: rawValue) }
    }

    /// librdkafka properties the source sets for its guarantees (or from its own options).
    static let reservedProperties = [
        "bootstrap.servers", "group.id", "auto.offset.reset", "enable.auto.commit", "enable.auto.offset.store",
        "partition.assignment.strategy", "enable.partition.eof",
    ]

    var client: KafkaClientOptions
    public var topics: [String]
    public var groupID: String
    public var start: Start
    public var decoding: Decoding
    public var maxRecordBytes: ConfigSize
    public var maxInFlight: Int
    public var commitInterval: ConfigDuration
    public var drainTimeout: ConfigDuration

    public init?(reading reader: inout OptionsReader) {
        let client = KafkaClientOptions(reading: &reader, reserved: Self.reservedProperties)
        let topics = reader.stringList("topics")
        if !reader.contains("topics") { reader.missing("topics") }
        if let topics, topics.isEmpty || topics.contains(where: \.isEmpty) {
            reader.error(
                .invalidValue, "option 'topics' must name at least one topic", at: reader.location(of: "topics"))
        }
        let groupID = reader.requiredString("group_id")
        if groupID?.isEmpty == true {
            reader.error(.invalidValue, "option 'group_id' must not be empty", at: reader.location(of: "group_id"))
        }
        let start = reader.choice("start", as: Start.self)
        let decoding = reader.choice("decoding", as: Decoding.self)
        let maxRecordBytes = reader.size("max_record_bytes")
        if let maxRecordBytes, !(1...(1 << 30)).contains(maxRecordBytes.bytes) {
            reader.error(
                .invalidValue, "option 'max_record_bytes' must be between 1 and 1GiB",
                at: reader.location(of: "max_record_bytes"))
        }
        let maxInFlight = reader.int("max_in_flight", minimum: 1)
        let commitInterval = reader.duration("commit_interval")
        let drainTimeout = reader.duration("drain_timeout")
        for (key, duration) in [("commit_interval", commitInterval), ("drain_timeout", drainTimeout)] {
            if let duration, duration.milliseconds <= 0 {
                reader.error(.invalidValue, "option '\(key)' must be longer than 0ms", at: reader.location(of: key))
            }
        }
        guard let client, let topics, let groupID, !reader.diagnostics.hasErrors else { return nil }
        self.client = client
        self.topics = topics
        self.groupID = groupID
        self.start = start ?? .earliest
        self.decoding = decoding ?? .ndjson
        self.maxRecordBytes = maxRecordBytes ?? ConfigSize(bytes: 1 << 20)
        self.maxInFlight = maxInFlight ?? 100_000
        self.commitInterval = commitInterval ?? ConfigDuration(milliseconds: 1_000)
        self.drainTimeout = drainTimeout ?? ConfigDuration(milliseconds: 10_000)
    }

    /// The consumer's librdkafka settings.
    var settings: KafkaSettings {
        client.settings([
            ("group.id", groupID), ("auto.offset.reset", start.rawValue),
            // Offsets are committed by the source, and only up to what the sinks acknowledged.
            ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
            // Cooperative rebalancing: a member joining or leaving moves only the partitions that change
            // owner, so the others keep flowing while those drain.
            ("partition.assignment.strategy", "cooperative-sticky"),
            ("enable.partition.eof", "false"),
        ])
    }

    public func makeSource(context: StageContext) throws -> any Source {
        KafkaSource(config: self, log: context.log, shutdown: context.shutdown)
    }
}

/// The running `kafka` source: each run joins the group with a consumer of its own.
final class KafkaSource: Source {
    private let config: KafkaSourceConfig
    private let log: StageLog
    private let shutdown: ShutdownSignal

    init(config: KafkaSourceConfig, log: StageLog, shutdown: ShutdownSignal) {
        self.config = config
        self.log = log
        self.shutdown = shutdown
    }

    func run(output: any SourceOutput) throws {
        try KafkaConsumerLoop(config: config, output: output, log: log, shutdown: shutdown).run()
    }
}
