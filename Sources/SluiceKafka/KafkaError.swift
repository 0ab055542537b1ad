import CRdKafka

/// An error reported by librdkafka: its code and message, and what the client was doing.
public struct KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// librdkafka's error code (`rd_kafka_resp_err_t`): negative for the client's own errors, positive for
    /// the broker's.
    public let code: Int32
    /// librdkafka's message: "Broker: Message size too large", "Local: Invalid argument", ...
    public let message: String
    /// What the client was doing: "subscribe", "commit offsets", "create the consumer", ...
    public let operation: String

    /// An error with a code from librdkafka.
    public init(code: Int32, message: String, operation: String) {
        self.code = code
        self.message = message
        self.operation = operation
    }

    /// The error of `code`, with librdkafka's message for it.
    init(_ code: rd_kafka_resp_err_t, operation: String) {
        self.init(code: code.rawValue, message: String(cString: rd_kafka_err2str(code)), operation: operation)
    }

    /// librdkafka's name for the code: `MSG_SIZE_TOO_LARGE`, `_QUEUE_FULL`, ...
    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code))) }

    /// True for a record larger than the producer or the broker accepts: retrying cannot help.
    public var isRecordTooLarge: Bool {
        code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue
    }

    /// True when the producer's local queue is full: serve delivery reports, then try again.
    public var isQueueFull: Bool { code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue }

    public var description: String { "\(operation): \(message) [\(name)]" }
}

/// One line librdkafka logs: its syslog level (3 error, 4 warning, ...), facility and text.
public struct KafkaLogLine: Sendable, Equatable {
    /// The syslog level: 0 emergency ... 3 error, 4 warning, 5 notice, 6 info, 7 debug.
    public var level: Int32
    /// librdkafka's facility: `FAIL`, `REQTMOUT`, `MOCK`, ...
    public var facility: String
    /// The message.
    public var text: String

    /// True for errors and warnings, which the stages pass on to the runner's log.
    public var isWarning: Bool { level <= 4 }
}
