import CRdKafka

/// A Kafka producer (librdkafka): records are queued with `produce`, sent in the background in batches,
/// and each one's delivery report comes back from a later `poll` or `flush`, on the calling thread.
public final class KafkaProducer {
    /// The outcome of one record: where it was written, or why it was not.
    public struct Delivery: Sendable, Equatable {
        /// The tag given to `produce`.
        public var tag: Int
        /// Why the record was not written; nil when it was.
        public var error: KafkaError?
        /// The partition it went to (or was meant for).
        public var partition: Int32
        /// Its offset there, when written.
        public var offset: Int64
    }

    private let client: ClientHandle

    /// A producer configured by `settings`. `log` hears librdkafka's log lines and errors on its threads;
    /// `delivered` hears each record's outcome from inside `poll` and `flush`.
    public init(
        settings: KafkaSettings, log: @escaping @Sendable (KafkaLogLine) -> Void,
        delivered: @escaping (Delivery) -> Void
    ) throws(KafkaError) {
        let hooks = ClientHooks(log: log)
        hooks.delivered = delivered
        client = try ClientHandle(RD_KAFKA_PRODUCER, settings: settings, hooks: hooks, operation: "create the producer")
        {
            configuration in
            rd_kafka_conf_set_dr_msg_cb(configuration) { _, message, opaque in
                guard let message, let hooks = ClientHooks.of(opaque: opaque) else { return }
                let record = message.pointee
                let error =
                    record.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(record.err, operation: "deliver")
                // Tags travel as the record's opaque pointer, shifted by one so that tag 0 is not a null pointer.
                let tag = Int(bitPattern: record._private) - 1
                hooks.delivered(Delivery(tag: tag, error: error, partition: record.partition, offset: record.offset))
            }
        }
    }

    /// A handle on `name`, for `produce`.
    public func topic(_ name: String) throws(KafkaError) -> KafkaTopic {
        guard let handle = rd_kafka_topic_new(client.pointer, name, nil) else {
            throw KafkaError(rd_kafka_last_error(), operation: "open topic '\(name)'")
        }
        return KafkaTopic(handle: handle, name: name, client: client)
    }

    /// Queues a record for `topic`, to the partition the configured partitioner picks for `key` (at random
    /// without a key). Nil when queued; an error when it cannot be, such as a full queue (`isQueueFull`:
    /// poll, then try again) or a record too large (`isRecordTooLarge`).
    public func produce(
        to topic: KafkaTopic, key: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer, tag: Int
    ) -> KafkaError? {
        let code = crdkafka_produce(
            client.pointer, topic.handle, key?.baseAddress, key?.count ?? 0, payload.baseAddress, payload.count,
            UnsafeMutableRawPointer(bitPattern: tag + 1))
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code, operation: "produce to '\(topic.name)'")
    }

    /// Queues a record for one partition of `topic`, chosen by the caller.
    public func produce(
        to topic: KafkaTopic, partition: Int32, payload: UnsafeRawBufferPointer, tag: Int
    ) -> KafkaError? {
        let code = crdkafka_produce_to(
            client.pointer, topic.handle, partition, payload.baseAddress, payload.count,
            UnsafeMutableRawPointer(bitPattern: tag + 1))
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code, operation: "produce to '\(topic.name)'")
    }

    /// Serves delivery reports, waiting up to `timeoutMilliseconds` for one.
    public func poll(timeoutMilliseconds: Int32) {
        rd_kafka_poll(client.pointer, timeoutMilliseconds)
    }

    /// Records queued or in flight: their delivery reports are still to come.
    public var outstanding: Int { Int(rd_kafka_outq_len(client.pointer)) }

    /// The fatal error that made the producer unusable (an idempotent producer that can no longer keep
    /// its guarantees), if one did.
    public var fatalError: KafkaError? { client.fatalError }
}

/// A producer's handle on one topic.
public final class KafkaTopic {
    let handle: OpaquePointer
    /// The topic's name.
    public let name: String
    // The topic handle belongs to the client: keep the client until the handle is destroyed.
    private let client: ClientHandle

    init(handle: OpaquePointer, name: String, client: ClientHandle) {
        self.handle = handle
        self.name = name
        self.client = client
    }

    deinit {
        rd_kafka_topic_destroy(handle)
    }
}
