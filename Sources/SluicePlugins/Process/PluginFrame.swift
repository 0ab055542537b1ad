import SluiceCore

/// One frame a plugin sent: a JSON object with a `type`, and an `id` where the frame answers one.
struct PluginFrame {
    enum Kind: String {
        case hello, ack, result, error, heartbeat, batch, end
    }

    let kind: Kind
    let id: Int64?
    let body: Event
    /// The frame's length in bytes, counted as the stage's bytes in or out.
    let byteCount: Int

    private static let typeKey = FieldName("type")
    private static let idKey = FieldName("id")
    private static let eventsKey = FieldName("events")
    private static let messageKey = FieldName("message")

    /// Parses one line.
    static func parse(_ line: ArraySlice<UInt8>, with json: inout JSONReader) throws(PluginError) -> PluginFrame {
        let parsed = line.withUnsafeBytes { bytes in Result { () throws(JSONError) in try json.readValue(bytes) } }
        let value: Value
        switch parsed {
        case .success(let read): value = read
        case .failure(let error): throw .invalidFrame("\(error)")
        }
        guard case .object(let body) = value else { throw .invalidFrame("a frame must be a JSON object") }
        guard let type = body[typeKey]?.stringValue else { throw .invalidFrame("a frame needs a string 'type'") }
        guard let kind = Kind(rawValue: type) else { throw .invalidFrame("unknown frame type '\(type)'") }
        var id: Int64?
        if case .int(let number)? = body[idKey] { id = number }
        return PluginFrame(kind: kind, id: id, body: body, byteCount: line.count)
    }

    /// The `events` array as a batch (counting the frame's bytes), and how many items were not objects.
    func events() -> (batch: EventBatch, invalid: Int) {
        guard case .array(let items)? = body[Self.eventsKey] else { return (EventBatch(), 0) }
        var batch = EventBatch(capacity: items.count)
        for item in items {
            if case .object(let event) = item { batch.append(event) }
        }
        batch.byteCount = byteCount
        return (batch, items.count - batch.count)
    }

    /// The `message` of an `error` frame.
    var message: String { body[Self.messageKey]?.stringValue ?? "(no message)" }
}

/// Writes the frames the runner sends, each one line of JSON ending in a newline.
struct FrameWriter {
    private var json = JSONWriter(capacity: 64 * 1024)

    /// `{"type":"hello","protocol":[1],"runner":"sluice"}`.
    mutating func hello(versions: [Int64]) -> [UInt8] {
        frame("hello") { json in
            json.bytes += Array(#","protocol":"#.utf8)
            json.write(.array(versions.map(Value.int)))
            json.bytes += Array(#","runner":"sluice""#.utf8)
        }
    }

    /// The stage's configuration: where it runs, its type and kind, and its options.
    mutating func config(_ launch: PluginLaunch) -> [UInt8] {
        frame("config") { json in
            for (key, value) in [
                ("pipeline", launch.pipeline), ("stage", launch.stage), ("stage_type", launch.stageType),
                ("kind", launch.kind.rawValue),
            ] {
                json.bytes += Array(",\"\(key)\":".utf8)
                json.writeString(value)
            }
            json.bytes += Array(#","options":"#.utf8)
            json.write(launch.options)
        }
    }

    /// A batch of events to process, numbered `id`.
    mutating func batch(id: Int64, _ events: [Event]) -> [UInt8] {
        frame("batch", id: id) { json in
            json.bytes += Array(#","events":["#.utf8)
            for (index, event) in events.enumerated() {
                if index > 0 { json.bytes.append(UInt8(ascii: ",")) }
                json.write(event)
            }
            json.bytes.append(UInt8(ascii: "]"))
        }
    }

    /// A frame with no body but its type and id: `finish`, `heartbeat`, `ack`.
    mutating func bare(_ type: String, id: Int64) -> [UInt8] {
        frame(type, id: id) { _ in }
    }

    private mutating func frame(_ type: String, id: Int64? = nil, body: (inout JSONWriter) -> Void) -> [UInt8] {
        json.reset()
        json.bytes += Array("{\"type\":\"\(type)\"".utf8)
        if let id { json.bytes += Array(",\"id\":\(id)".utf8) }
        body(&json)
        json.bytes += Array("}\n".utf8)
        return json.bytes
    }
}
