import CRdKafka

/// A member of a consumer group (librdkafka's high-level consumer): it subscribes to topics, is assigned
/// partitions by the group, and commits the offsets its owner says are done.
///
/// Used by one thread at a time: rebalances and commit results are reported from inside `poll`, on that
/// thread. Offsets are committed only through `commit` (the settings should turn `enable.auto.commit` off).
public final class KafkaConsumer {
    /// A change of the partitions this member owns, reported from inside `poll`.
    public enum Rebalance: Sendable, Equatable {
        /// The group gave the member these partitions (in addition to those it had, under the cooperative
        /// protocol).
        case assigned([TopicPartition])
        /// The group takes these partitions away; they are given up when the callback returns, so what was
        /// read of them can still be finished and committed.
        case revoked([TopicPartition])
        /// These partitions were lost without a handover (the member was thrown out of the group): another
        /// member may own them already, so committing for them would fail or overwrite its progress.
        case lost([TopicPartition])
    }

    private let client: ClientHandle

    /// A consumer configured by `settings` (`bootstrap.servers`, `group.id`, ...). `log` hears librdkafka's
    /// log lines and errors on its threads; `rebalance` and `committed` are called from inside `poll`.
    public init(
        settings: KafkaSettings, log: @escaping @Sendable (KafkaLogLine) -> Void,
        rebalance: @escaping (Rebalance) -> Void,
        committed: @escaping ([PartitionOffset], KafkaError?) -> Void
    ) throws(KafkaError) {
        let hooks = ClientHooks(log: log)
        hooks.rebalance = rebalance
        hooks.committed = committed
        client = try ClientHandle(RD_KAFKA_CONSUMER, settings: settings, hooks: hooks, operation: "create the consumer")
        {
            configuration in
            rd_kafka_conf_set_rebalance_cb(configuration) { handle, code, list, opaque in
                guard let handle, let hooks = ClientHooks.of(opaque: opaque) else { return }
                KafkaConsumer.rebalance(handle, code, list, hooks)
            }
            rd_kafka_conf_set_offset_commit_cb(configuration) { _, code, list, opaque in
                guard let hooks = ClientHooks.of(opaque: opaque) else { return }
                let operation = "commit offsets"
                let error = code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code, operation: operation)
                hooks.committed(PartitionList.read(list, operation: operation), error)
            }
        }
        // Rebalances, commit results and errors come out of the consumer's queue, served by `poll`.
        rd_kafka_poll_set_consumer(client.pointer)
    }

    deinit {
        // Destroying a consumer that was not closed leaves the group from inside rd_kafka_destroy, which
        // reports a revocation: by then the owner of the callbacks may be gone.
        client.hooks.rebalance = { _ in }
        client.hooks.committed = { _, _ in }
    }

    /// The group's protocol: `COOPERATIVE` (only the partitions that move are revoked) or `EAGER` (every
    /// partition is revoked on every rebalance), once the member has joined; `NONE` before.
    public var rebalanceProtocol: String { String(cString: rd_kafka_rebalance_protocol(client.pointer)) }

    /// Subscribes to `topics`; the group assigns their partitions from the next `poll` on.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let code = PartitionList.with(
            topics.map { PartitionOffset(TopicPartition($0, crdkafka_unassigned_partition()), 0) }
        ) { rd_kafka_subscribe(client.pointer, $0) }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code, operation: "subscribe") }
    }

    /// Waits up to `timeoutMilliseconds` for the next message or error, serving rebalances and commit
    /// results meanwhile; nil when none came.
    public func poll(timeoutMilliseconds: Int32) -> KafkaMessage? {
        rd_kafka_consumer_poll(client.pointer, timeoutMilliseconds).map(KafkaMessage.init)
    }

    /// Commits `offsets` (each the next offset to read) for the group. An asynchronous commit returns at
    /// once; either way the result reaches `committed` from a later `poll`.
    public func commit(_ offsets: [PartitionOffset], synchronously: Bool) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let code = PartitionList.with(offsets) { rd_kafka_commit(client.pointer, $0, synchronously ? 0 : 1) }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code, operation: "commit offsets") }
    }

    /// Stops fetching `partitions` until `resume`; what was fetched of them and not yet returned by `poll`
    /// is fetched again from where `poll` left off.
    public func pause(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        _ = PartitionList.with(partitions.map { PartitionOffset($0, 0) }) {
            rd_kafka_pause_partitions(client.pointer, $0)
        }
    }

    /// Fetches `partitions` again after `pause`.
    public func resume(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        _ = PartitionList.with(partitions.map { PartitionOffset($0, 0) }) {
            rd_kafka_resume_partitions(client.pointer, $0)
        }
    }

    /// The partitions the group has assigned to this member.
    public func assignment() -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.read(list, operation: "assignment").map(\.partition)
    }

    /// The end of `partition` (the offset the next message will get) as last seen in a fetch, without
    /// asking a broker; nil before the first fetch.
    public func cachedHighWatermark(of partition: TopicPartition) -> Int64? {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_get_watermark_offsets(client.pointer, partition.topic, partition.partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// The offsets the group has committed for `partitions`, asked of the group's coordinator (which
    /// does not need this member to be in the group); a partition without a commit has a negative offset.
    public func committedOffsets(
        of partitions: [TopicPartition], timeoutMilliseconds: Int32
    ) throws(KafkaError) -> [PartitionOffset] {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_committed(client.pointer, list, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code, operation: "read committed offsets") }
        return PartitionList.read(list, operation: "read committed offsets")
    }

    /// Leaves the group: the partitions still owned are revoked (through `rebalance`, from inside this
    /// call), so their progress can be committed first.
    public func close() {
        let code = rd_kafka_consumer_close(client.pointer)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            client.hooks.log(
                KafkaLogLine(
                    level: 4, facility: "CLOSE", text: KafkaError(code, operation: "leave the group").description))
        }
    }

    /// The fatal error that made the consumer unusable, if one did.
    public var fatalError: KafkaError? { client.fatalError }

    /// Reports a rebalance to the hooks, then takes or gives up the partitions as the group's protocol says.
    private static func rebalance(
        _ handle: OpaquePointer, _ code: rd_kafka_resp_err_t,
        _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ hooks: ClientHooks
    ) {
        let partitions = PartitionList.read(list, operation: "rebalance").map(\.partition)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        var failure: OpaquePointer?
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            hooks.rebalance(.assigned(partitions))
            if cooperative {
                failure = rd_kafka_incremental_assign(handle, list)
            } else {
                _ = rd_kafka_assign(handle, list)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            hooks.rebalance(rd_kafka_assignment_lost(handle) != 0 ? .lost(partitions) : .revoked(partitions))
            if cooperative {
                failure = rd_kafka_incremental_unassign(handle, list)
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        default:
            // A rebalance error: give up everything, as librdkafka asks, and let the group start again.
            hooks.log(
                KafkaLogLine(
                    level: 3, facility: "REBALANCE", text: KafkaError(code, operation: "rebalance").description))
            hooks.rebalance(.lost(partitions))
            _ = rd_kafka_assign(handle, nil)
        }
        if let failure {
            hooks.log(
                KafkaLogLine(level: 3, facility: "REBALANCE", text: String(cString: rd_kafka_error_string(failure))))
            rd_kafka_error_destroy(failure)
        }
    }
}

/// One message (or error) returned by `KafkaConsumer.poll`, freed when it goes away.
public struct KafkaMessage: ~Copyable {
    private let pointer: UnsafeMutablePointer<rd_kafka_message_t>

    init(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>) {
        self.pointer = pointer
    }

    deinit {
        rd_kafka_message_destroy(pointer)
    }

    /// The error this message reports instead of data (a topic that does not exist, say), if any.
    public var error: KafkaError? {
        let code = pointer.pointee.err
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let detail = rd_kafka_message_errstr(pointer).map { String(cString: $0) }
        return KafkaError(
            code: code.rawValue, message: detail ?? String(cString: rd_kafka_err2str(code)), operation: "consume")
    }

    /// The message's topic.
    public var topic: String {
        pointer.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    }

    /// The message's partition.
    public var partition: Int32 { pointer.pointee.partition }

    /// The message's offset in its partition.
    public var offset: Int64 { pointer.pointee.offset }

    /// The message's value, valid while the message lives; empty for a null value.
    public var payload: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: pointer.pointee.payload, count: pointer.pointee.len)
    }

    /// The message's key, valid while the message lives; nil for a null key.
    public var key: UnsafeRawBufferPointer? {
        pointer.pointee.key.map { UnsafeRawBufferPointer(start: $0, count: pointer.pointee.key_len) }
    }
}
