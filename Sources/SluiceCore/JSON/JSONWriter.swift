/// Appends values as compact JSON text to a byte buffer: the encoder sinks use on the hot path.
///
/// Field names are escaped once per name and cached by `FieldName.id`, so an event's keys cost a copy,
/// not an escape. The cache is a dense array, so it covers the first `cachedKeyLimit` interned names;
/// later ones (a source meeting ever-new keys) are escaped each time. A writer made for one value
/// (`Value.description`) skips the cache altogether. Doubles are written in Swift's shortest round-tripping form; non-finite doubles,
/// which JSON cannot represent, are written as `null`.
public struct JSONWriter {
    /// The text written so far.
    public var bytes: [UInt8] = []
    private var keyCache: [[UInt8]?] = []
    private let cachesKeys: Bool
    /// Field names with an id below this are cached.
    static let cachedKeyLimit = 4_096

    /// A writer with room for `capacity` bytes; `cachesKeys: false` suits a writer used once.
    public init(capacity: Int = 0, cachesKeys: Bool = true) {
        bytes.reserveCapacity(capacity)
        self.cachesKeys = cachesKeys
    }

    /// The text written so far, as a string.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Empties the buffer, keeping its capacity and the key cache.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Writes an event as a JSON object.
    public mutating func write(_ event: Event) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for field in event.fields {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            writeKey(field.name)
            write(field.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes any value.
    public mutating func write(_ value: Value) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): writeInteger(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let event): write(event)
        }
    }

    /// Writes a string with JSON escaping.
    public mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeEscaped($0) }
    }

    private mutating func writeKey(_ name: FieldName) {
        let index = Int(name.id)
        if index < keyCache.count, let cached = keyCache[index] {
            bytes.append(contentsOf: cached)
            return
        }
        guard cachesKeys, index < Self.cachedKeyLimit else {
            writeString(name.string)
            bytes.append(UInt8(ascii: ":"))
            return
        }
        var encoded = JSONWriter(cachesKeys: false)
        encoded.writeString(name.string)
        encoded.bytes.append(UInt8(ascii: ":"))
        if index >= keyCache.count {
            keyCache.append(contentsOf: repeatElement(nil, count: index - keyCache.count + 1))
        }
        keyCache[index] = encoded.bytes
        bytes.append(contentsOf: encoded.bytes)
    }

    private mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            default:
                append("\\u00")
                bytes.append(Self.hexDigit(byte >> 4))
                bytes.append(Self.hexDigit(byte & 0xF))
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeDouble(_ value: Double) {
        guard value.isFinite else {
            append("null")
            return
        }
        if value == value.rounded(.towardZero), value.magnitude < 1e15 {
            // Keep a visible fraction so the value reads back as a double, and the sign of -0.0,
            // which converting to an integer would lose.
            if value == 0, value.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            writeInteger(Int64(value))
            append(".0")
        } else {
            // Swift prints the shortest text that reads back as the same double, in a JSON-compatible
            // form (`0.1`, `1e+16`, `5e-324`).
            appendText(value.description)
        }
    }

    private mutating func writeInteger(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var position = scratch.count
            while magnitude > 0 {
                position -= 1
                scratch[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: scratch[position...])
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private mutating func appendText(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
}
