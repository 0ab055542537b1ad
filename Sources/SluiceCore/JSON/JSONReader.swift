import CSimdjson

/// Decodes JSON texts into values and events with simdjson: the decoder sources use on the hot path.
///
/// A reader owns a simdjson parser and a token buffer that it reuses for every text, so keep one per
/// stage instance (it is not copyable and not thread-safe). The parser numbers object keys (a stream of
/// similar lines costs one comparison per key) and the reader maps each number to a `FieldName` once, so
/// a stream of similar lines interns nothing after its first line.
///
/// Numbers: integers that fit `Int64` become `.int`; larger integers and numbers with a fraction or an
/// exponent become `.double` (correctly rounded). Integers outside `Int64` are counted in
/// `inexactIntegers`, so a decoder can report that their last digits may have been lost. A text is
/// rejected when it is not valid UTF-8, not valid JSON, has anything but whitespace after its value, or
/// nests arrays and objects deeper than `maximumDepth`.
public struct JSONReader: ~Copyable {
    /// The deepest nesting of arrays and objects accepted; `{"a":[1]}` has depth 2.
    public static let maximumDepth = 128

    /// The number of readable bytes that must follow a text passed with `padded: true`.
    public static let padding = Int(SLUICE_JSON_PADDING)

    /// Room reserved in each event beyond its decoded fields, so transforms that add a few fields
    /// (enrich) do not reallocate the event.
    private static let spareFieldCapacity = 4

    private let parser: OpaquePointer
    private var tokens: UnsafeMutablePointer<sluice_json_token>
    private var tokenCapacity: Int
    /// The name of each key number of the parser's current key generation, in order.
    private var keyNames: [FieldName] = []
    private var keyGeneration: UInt32 = 0
    /// The integers of the last text decoded that are outside `Int64` and became the nearest double.
    public private(set) var inexactIntegers = 0

    /// A reader with its own parser.
    public init() {
        guard let parser = sluice_json_parser_create(Self.maximumDepth) else {
            fatalError("out of memory creating a JSON parser")
        }
        self.parser = parser
        tokenCapacity = 256
        tokens = .allocate(capacity: tokenCapacity)
    }

    deinit {
        sluice_json_parser_destroy(parser)
        tokens.deallocate()
    }

    /// Decodes one JSON text of any type.
    ///
    /// - Parameters:
    ///   - text: the UTF-8 bytes of exactly one JSON value, optionally surrounded by whitespace.
    ///   - padded: true when `padding` readable bytes follow `text` in memory, which saves a copy.
    public mutating func readValue(_ text: UnsafeRawBufferPointer, padded: Bool = false) throws(JSONError) -> Value {
        let count = try parse(text, padded: padded)
        var index = 0
        let value = makeValue(at: &index)
        assert(index == count, "the token walk must consume every token")
        return value
    }

    /// Decodes one JSON text whose top-level value must be an object, as an event.
    public mutating func readEvent(_ text: UnsafeRawBufferPointer, padded: Bool = false) throws(JSONError) -> Event {
        _ = try parse(text, padded: padded)
        let root = tokens[0]
        guard root.kind == SLUICE_JSON_OBJECT.rawValue else {
            throw JSONError(.notAnObject, "expected a JSON object, found \(Self.typeName(of: root))")
        }
        var index = 1
        return makeEvent(root, at: &index, spareCapacity: Self.spareFieldCapacity)
    }

    /// Decodes one JSON text given as a string.
    public mutating func readValue(_ text: String) throws(JSONError) -> Value {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONError) -> Value in try readValue(UnsafeRawBufferPointer(bytes)) }
        }
        return try result.get()
    }

    /// Decodes one JSON object given as a string, as an event.
    public mutating func readEvent(_ text: String) throws(JSONError) -> Event {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONError) -> Event in try readEvent(UnsafeRawBufferPointer(bytes)) }
        }
        return try result.get()
    }

    // MARK: Parsing

    /// Parses `text` into `tokens`, growing the buffer when the document has more tokens than it holds.
    private mutating func parse(_ text: UnsafeRawBufferPointer, padded: Bool) throws(JSONError) -> Int {
        let base = text.baseAddress?.assumingMemoryBound(to: CChar.self)
        while true {
            let result = sluice_json_parse(parser, base, text.count, padded ? 1 : 0, tokens, tokenCapacity)
            switch result.status {
            case SLUICE_JSON_OK.rawValue:
                inexactIntegers = result.widened_integers
                if result.key_generation != keyGeneration {
                    keyNames.removeAll(keepingCapacity: true)
                    keyGeneration = result.key_generation
                }
                return result.token_count
            case SLUICE_JSON_ERROR_TOKEN_CAPACITY.rawValue:
                tokens.deallocate()
                tokenCapacity = max(result.token_count, tokenCapacity * 2)
                tokens = .allocate(capacity: tokenCapacity)
            default:
                throw Self.error(status: result.status, simdjsonError: result.simdjson_error)
            }
        }
    }

    private static func error(status: UInt32, simdjsonError: Int32) -> JSONError {
        let detail = String(cString: sluice_json_error_text(simdjsonError))
        let (kind, summary): (JSONError.Kind, String) =
            switch status {
            case SLUICE_JSON_ERROR_EMPTY.rawValue: (.empty, "empty JSON text")
            case SLUICE_JSON_ERROR_UTF8.rawValue: (.invalidUTF8, "invalid UTF-8")
            case SLUICE_JSON_ERROR_STRING.rawValue: (.invalidString, "invalid string")
            case SLUICE_JSON_ERROR_NUMBER.rawValue: (.invalidNumber, "invalid number")
            case SLUICE_JSON_ERROR_DEPTH.rawValue: (.tooDeep, "JSON nested deeper than \(maximumDepth) levels")
            case SLUICE_JSON_ERROR_TOO_LARGE.rawValue: (.tooLarge, "JSON text too large")
            case SLUICE_JSON_ERROR_SYNTAX.rawValue: (.syntax, "malformed JSON")
            default: (.internalFailure, "JSON parser failure")
            }
        return JSONError(kind, "\(summary) (simdjson: \(detail))")
    }

    // MARK: Building values

    private mutating func makeValue(at index: inout Int) -> Value {
        let token = tokens[index]
        index += 1
        switch token.kind {
        case SLUICE_JSON_OBJECT.rawValue:
            return .object(makeEvent(token, at: &index))
        case SLUICE_JSON_ARRAY.rawValue:
            var items: [Value] = []
            items.reserveCapacity(Int(token.length))
            for _ in 0..<token.length { items.append(makeValue(at: &index)) }
            index += 1  // END
            return .array(items)
        case SLUICE_JSON_STRING.rawValue:
            return .string(String(decoding: Self.bytes(of: token), as: UTF8.self))
        case SLUICE_JSON_INT64.rawValue:
            return .int(token.value.int64)
        case SLUICE_JSON_UINT64.rawValue:
            inexactIntegers += 1
            return .double(Double(token.value.uint64))
        case SLUICE_JSON_DOUBLE.rawValue:
            return .double(token.value.float64)
        case SLUICE_JSON_BOOL.rawValue:
            return .bool(token.value.boolean != 0)
        default:
            return .null
        }
    }

    /// Builds the object that `begin` opens; `index` is just past `begin` and ends just past its END.
    private mutating func makeEvent(
        _ begin: sluice_json_token, at index: inout Int, spareCapacity: Int = 0
    ) -> Event {
        var event = Event(capacity: Int(begin.length) + spareCapacity)
        // One bit per name (its id modulo 64): a clear bit proves the name is not in the event yet, so
        // only a possible duplicate pays for a scan.
        var seen: UInt64 = 0
        for _ in 0..<begin.length {
            let name = keyName(tokens[index])
            index += 1
            let value = makeValue(at: &index)
            let bit: UInt64 = 1 << UInt64(name.id & 63)
            // JSON allows duplicate keys; as in most decoders, the last one wins.
            if seen & bit != 0, let existing = event.fields.firstIndex(where: { $0.name == name }) {
                event.fields[existing].value = value
            } else {
                event.fields.append(Event.Field(name: name, value: value))
            }
            seen |= bit
        }
        index += 1  // END
        return event
    }

    /// The name of a KEY token's key number.
    private mutating func keyName(_ token: sluice_json_token) -> FieldName {
        let number = Int(token.value.uint64)
        if number < keyNames.count { return keyNames[number] }
        // Numbers are given out densely in order of first appearance; name every one up to this.
        while keyNames.count <= number {
            var length = 0
            let text = sluice_json_key_text(parser, UInt64(keyNames.count), &length)
            let bytes = UnsafeRawBufferPointer(start: text, count: length)
            keyNames.append(FieldName(String(decoding: bytes, as: UTF8.self)))
        }
        return keyNames[number]
    }

    private static func bytes(of token: sluice_json_token) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: token.value.text, count: Int(token.length))
    }

    private static func typeName(of token: sluice_json_token) -> String {
        switch token.kind {
        case SLUICE_JSON_ARRAY.rawValue: return "an array"
        case SLUICE_JSON_STRING.rawValue: return "a string"
        case SLUICE_JSON_INT64.rawValue, SLUICE_JSON_UINT64.rawValue, SLUICE_JSON_DOUBLE.rawValue: return "a number"
        case SLUICE_JSON_BOOL.rawValue: return "a boolean"
        default: return "null"
        }
    }
}
