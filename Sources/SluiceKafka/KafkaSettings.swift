import CRdKafka

/// librdkafka configuration properties (`bootstrap.servers`, `group.id`, ...), in the order they are set:
/// a later value of a property replaces an earlier one, so options a user writes can override defaults.
public struct KafkaSettings: Sendable, Equatable {
    /// The properties, by name and value, in order.
    public private(set) var properties: [(name: String, value: String)]

    /// Settings holding `properties`, in order.
    public init(_ properties: [(name: String, value: String)] = []) {
        self.properties = properties
    }

    /// Sets `name` to `value`, after (and so over) what was set before.
    public mutating func set(_ name: String, _ value: String) {
        properties.append((name, value))
    }

    /// The value `name` was last set to, if any.
    public subscript(name: String) -> String? {
        properties.last { $0.name == name }?.value
    }

    public static func == (left: KafkaSettings, right: KafkaSettings) -> Bool {
        left.properties.elementsEqual(right.properties) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Why librdkafka refuses `value` for the property `name` ("No such configuration property: ..."), or
    /// nil when it accepts it; for checking options before anything runs.
    public static func problem(name: String, value: String) -> String? {
        guard let configuration = rd_kafka_conf_new() else { return "librdkafka could not allocate a configuration" }
        defer { rd_kafka_conf_destroy(configuration) }
        return set(name, value, on: configuration)
    }

    /// A new librdkafka configuration holding these properties; the caller owns it (`rd_kafka_new` takes it
    /// over, otherwise `rd_kafka_conf_destroy`).
    func makeConfiguration(for operation: String) throws(KafkaError) -> OpaquePointer {
        guard let configuration = rd_kafka_conf_new() else {
            throw KafkaError(RD_KAFKA_RESP_ERR__NOENT, operation: operation)
        }
        for (name, value) in properties {
            if let problem = Self.set(name, value, on: configuration) {
                rd_kafka_conf_destroy(configuration)
                throw KafkaError(
                    code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: problem, operation: operation)
            }
        }
        return configuration
    }

    private static func set(_ name: String, _ value: String, on configuration: OpaquePointer) -> String? {
        var message = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(configuration, name, value, &message, message.count)
        guard result != RD_KAFKA_CONF_OK else { return nil }
        return message.text
    }
}
