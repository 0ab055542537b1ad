import CRdKafka

/// The Swift side of librdkafka's callbacks for one client, passed to them as the configuration's opaque
/// pointer. The client keeps it alive and destroys its handle before letting it go.
///
/// Logs and errors arrive on librdkafka's own threads; rebalances, commit results and delivery reports on
/// the thread that polls the client.
final class ClientHooks: @unchecked Sendable {
    let log: @Sendable (KafkaLogLine) -> Void
    var rebalance: (KafkaConsumer.Rebalance) -> Void = { _ in }
    var committed: ([PartitionOffset], KafkaError?) -> Void = { _, _ in }
    var delivered: (KafkaProducer.Delivery) -> Void = { _ in }

    init(log: @escaping @Sendable (KafkaLogLine) -> Void) {
        self.log = log
    }

    /// Installs the callbacks on `configuration`, with this object as their opaque pointer.
    func install(on configuration: OpaquePointer) {
        rd_kafka_conf_set_opaque(configuration, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(configuration) { handle, level, facility, text in
            guard let hooks = ClientHooks.of(handle) else { return }
            hooks.log(
                KafkaLogLine(
                    level: level, facility: facility.map { String(cString: $0) } ?? "",
                    text: text.map { String(cString: $0) } ?? ""))
        }
        rd_kafka_conf_set_error_cb(configuration) { _, code, reason, opaque in
            guard let opaque else { return }
            let hooks = Unmanaged<ClientHooks>.fromOpaque(opaque).takeUnretainedValue()
            let error = rd_kafka_resp_err_t(rawValue: code)
            hooks.log(
                KafkaLogLine(
                    level: 3, facility: String(cString: rd_kafka_err2name(error)),
                    text: reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(error))))
        }
    }

    /// The hooks of `handle`, from its opaque pointer.
    static func of(_ handle: OpaquePointer?) -> ClientHooks? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<ClientHooks>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// The hooks of the configuration's opaque pointer.
    static func of(opaque: UnsafeMutableRawPointer?) -> ClientHooks? {
        opaque.map { Unmanaged<ClientHooks>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// A librdkafka client handle (`rd_kafka_t`) with its hooks: created from settings, destroyed with it.
final class ClientHandle {
    let pointer: OpaquePointer
    let hooks: ClientHooks

    /// Creates a client of `type` from `settings`; `configure` installs more callbacks on the configuration.
    init(
        _ type: rd_kafka_type_t, settings: KafkaSettings, hooks: ClientHooks, operation: String,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let configuration = try settings.makeConfiguration(for: operation)
        hooks.install(on: configuration)
        configure(configuration)
        var message = [CChar](repeating: 0, count: 512)
        // rd_kafka_new takes the configuration over when it succeeds, and leaves it to us when it fails.
        guard let handle = rd_kafka_new(type, configuration, &message, message.count) else {
            rd_kafka_conf_destroy(configuration)
            throw KafkaError(
                code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                message: message.text,
                operation: operation)
        }
        pointer = handle
        self.hooks = hooks
    }

    deinit {
        rd_kafka_destroy(pointer)
    }

    /// The fatal error that made the client unusable (an idempotent producer fenced, say), if one did.
    var fatalError: KafkaError? {
        var message = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(pointer, &message, message.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: code.rawValue,
            message: message.text,
            operation: "fatal error")
    }
}

extension Array where Element == CChar {
    /// The NUL-terminated text at the start of the buffer.
    var text: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
