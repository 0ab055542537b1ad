import SluiceCore
import SluiceKafka

/// The options every Kafka stage reads: the brokers to reach, and librdkafka properties passed through
/// (security settings, timeouts) for what the stage does not say itself.
struct KafkaClientOptions: Sendable, Equatable {
    /// `host:port` of each bootstrap broker.
    var brokers: [String]
    /// `librdkafka_options`, in file order.
    var properties: KafkaSettings

    /// The option docs of these options, for the stages' `options` lists.
    static func docs(reserved: [String]) -> [OptionDoc] {
        [
            OptionDoc(
                "brokers", "[string]",
                "Bootstrap brokers, `host:port` each (a list, or one string with commas between them)."),
            OptionDoc(
                "librdkafka_options", "mapping", default: "none",
                "librdkafka configuration properties passed through as written (`security.protocol`, "
                    + "`sasl.mechanisms`, `session.timeout.ms`, ...); each is checked when the pipeline is "
                    + "validated. The stage sets "
                    + reserved.map { "`\($0)`" }.joined(separator: ", ") + " itself; they cannot be set here."),
        ]
    }

    /// Reads `brokers` and `librdkafka_options`; `reserved` are the properties the stage sets from its own
    /// options or for its guarantees, refused in `librdkafka_options`.
    init?(reading reader: inout OptionsReader, reserved: [String]) {
        // Addresses hold no spaces: dropping them allows `a:9092, b:9092`.
        let brokers = reader.stringList("brokers")?.flatMap { $0.split(separator: ",") }.map {
            String($0.filter { $0 != " " })
        }
        if !reader.contains("brokers") { reader.missing("brokers") }
        if let brokers, brokers.isEmpty || brokers.contains(where: \.isEmpty) {
            reader.error(
                .invalidValue, "option 'brokers' must name at least one broker, as host:port",
                at: reader.location(of: "brokers"))
        }
        var properties = KafkaSettings()
        for (name, nameLocation, value, positions, _) in reader.namedScalars("librdkafka_options") ?? [] {
            if reserved.contains(name) {
                reader.error(
                    .invalidValue, "'\(name)' is set by the stage and cannot be set in librdkafka_options",
                    at: nameLocation)
            } else if let problem = KafkaSettings.problem(name: name, value: value) {
                reader.error(.invalidValue, "librdkafka_options: \(problem)", at: positions.start)
            } else {
                properties.set(name, value)
            }
        }
        guard let brokers, !reader.diagnostics.hasErrors else { return nil }
        self.brokers = brokers
        self.properties = properties
    }

    /// The client's settings: `stageProperties` (the stage's own, from its options), then the user's
    /// `librdkafka_options`, which the stage's reserved properties never appear in.
    func settings(_ stageProperties: [(name: String, value: String)]) -> KafkaSettings {
        var settings = KafkaSettings([("bootstrap.servers", brokers.joined(separator: ","))] + stageProperties)
        for (name, value) in properties.properties { settings.set(name, value) }
        return settings
    }
}

extension DropReason {
    /// A record larger than a Kafka stage accepts: a source's `max_record_bytes`, or what the producer or
    /// the brokers take.
    static let recordTooLarge: DropReason = "record_too_large"
}

/// Passes librdkafka's errors and warnings on to a stage's log, rate-limited per facility.
func kafkaLogForwarder(_ log: StageLog) -> @Sendable (KafkaLogLine) -> Void {
    { line in
        guard line.isWarning else { return }
        log.warn(
            counter: StageCounter(rawValue: "librdkafka_\(line.facility.lowercased())"), "librdkafka: \(line.text)")
    }
}
