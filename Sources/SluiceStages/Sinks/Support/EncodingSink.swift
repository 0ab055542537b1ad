import SluiceCore

/// Turns events into the bytes a sink writes.
///
/// Encoders append to a `JSONWriter`'s buffer so JSON-based formats reuse its cached, escaped keys.
/// `EncodingSink` is generic over its encoder, so encoding an event is a direct call.
protocol EventEncoder {
    /// Appends what precedes the first event (a CSV header), if anything, given what the output already
    /// holds. Called once, just before the first write, when the output's state is final: a reload may
    /// build a sink while the one it replaces still writes the same file.
    mutating func begin(into buffer: inout JSONWriter, existing: ExistingOutput)
    /// Appends `event`, including its terminator; a `StageFailure` fails the sink for good (it writes
    /// nothing of the event).
    mutating func encode(_ event: Event, into buffer: inout JSONWriter) throws(StageFailure)
    /// Reports what the encoder noticed since the last call (fields a CSV row could not hold).
    mutating func report(into output: inout ProcessorOutput)
}

extension EventEncoder {
    mutating func begin(into buffer: inout JSONWriter, existing: ExistingOutput) {}
    mutating func report(into output: inout ProcessorOutput) {}
}

/// The runtime of a sink that encodes events and writes them to a descriptor.
///
/// Write policy: a batch is encoded into one buffer and written with one `write(2)` at the end of the
/// batch, so output is never older than the batch that produced it (low latency, `tail -f` friendly)
/// while a syscall costs only once per hundreds or thousands of events (high throughput). A batch whose
/// encoding outgrows `flushThreshold` is written in parts, which bounds the buffer's memory. A write that
/// fails in a way that may pass blocks `process` until it succeeds (see `OutputDescriptor`).
final class EncodingSink<Encoder: EventEncoder>: Processor {
    /// The buffered bytes at which a write happens before the batch ends.
    static var flushThreshold: Int { 256 * 1024 }

    private var encoder: Encoder
    private var buffer = JSONWriter(capacity: 64 * 1024)
    private let descriptor: OutputDescriptor
    private var hasBegun = false

    init(encoder: Encoder, descriptor: OutputDescriptor) {
        self.encoder = encoder
        self.descriptor = descriptor
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        try beginIfNeeded()
        defer { encoder.report(into: &output) }
        descriptor.beginBatch()
        let bytesBefore = output.bytesWritten
        do {
            for event in batch.events {
                try encoder.encode(event, into: &buffer)
                if buffer.bytes.count >= Self.flushThreshold { try flush(output: &output) }
            }
            try flush(output: &output)
        } catch {
            // The engine counts the whole batch as dropped; the descriptor took back what it had written,
            // and what is still buffered is never written.
            buffer.reset()
            if descriptor.takesBackFailedBatches { output.bytesWritten = bytesBefore }
            throw error
        }
        // Nobody will ever read what follows: the stage fails for good, and the engine counts the rest.
        if descriptor.isBroken { throw StageFailure("the reader of '\(descriptor.path)' went away (broken pipe)") }
    }

    func finish(output: inout ProcessorOutput) throws {
        try beginIfNeeded()
        try flush(output: &output)
        try descriptor.close()
    }

    private func beginIfNeeded() throws {
        guard !hasBegun else { return }
        encoder.begin(into: &buffer, existing: try descriptor.prepare())
        hasBegun = true
    }

    private func flush(output: inout ProcessorOutput) throws {
        guard !buffer.bytes.isEmpty else { return }
        defer {
            buffer.reset()
            output.count(.writeRetries, descriptor.takeRetries())
        }
        let delivered = try buffer.bytes.withUnsafeBytes { try descriptor.write($0) }
        if delivered { output.bytesWritten += buffer.bytes.count }
    }
}

/// A sink whose runtime is an `EncodingSink` for its configured format: the `file` and `stdout` sinks.
///
/// The encoder is chosen at run time, so this class holds its `EncodingSink` as `any Processor`: one
/// dynamic call per batch, while encoding each event stays a direct call inside the generic sink.
class FormattedSink: Processor {
    private let encoding: any Processor

    init(_ encoding: any Processor) {
        self.encoding = encoding
    }

    final func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        try encoding.process(batch, output: &output)
    }

    final func finish(output: inout ProcessorOutput) throws {
        try encoding.finish(output: &output)
    }
}

/// One compact JSON object per line.
struct NDJSONEncoder: EventEncoder {
    mutating func encode(_ event: Event, into buffer: inout JSONWriter) {
        buffer.write(event)
        buffer.bytes.append(UInt8(ascii: "\n"))
    }
}

/// One pretty-printed JSON object per event (two-space indent, `"key": value`), each ending in a newline.
struct PrettyJSONEncoder: EventEncoder {
    private var compact = JSONWriter()

    mutating func encode(_ event: Event, into buffer: inout JSONWriter) {
        compact.reset()
        compact.write(event)
        Self.indent(compact.bytes, into: &buffer.bytes)
        buffer.bytes.append(UInt8(ascii: "\n"))
    }

    /// Re-indents compact JSON text; re-using `JSONWriter` keeps one escaping and number format.
    static func indent(_ json: [UInt8], into out: inout [UInt8]) {
        var depth = 0
        var inString = false
        var escaped = false
        var index = 0
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
        }
        while index < json.count {
            let byte = json[index]
            index += 1
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                // An empty object or array stays on one line.
                if index < json.count, json[index] == close {
                    out.append(close)
                    index += 1
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            default:
                out.append(byte)
            }
        }
    }
}

/// The `message` field as plain text, one per line; events without one are written as compact JSON.
struct TextEncoder: EventEncoder {
    private let message = FieldName("message")

    mutating func encode(_ event: Event, into buffer: inout JSONWriter) {
        switch event[message] {
        case .string(let text)?:
            buffer.bytes.append(contentsOf: text.utf8)
        case let value?:
            buffer.write(value)
        case nil:
            buffer.write(event)
        }
        buffer.bytes.append(UInt8(ascii: "\n"))
    }
}
