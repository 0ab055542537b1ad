/// `parse_kv()`: `key=value` pairs separated by a field separator, as in logfmt
/// (`level=info msg="disk full" retry`).
///
/// A value in double quotes may hold separators; `\"` and `\\` inside it are a quote and a backslash. A
/// key without the key-value separator is `true`. With the default field separator, a space, any run of
/// whitespace separates fields. A later duplicate key replaces the earlier value. Keys and values are
/// strings, as written.
struct KeyValueText {
    let fieldSeparator: [UInt8]
    let keyValueSeparator: [UInt8]

    /// A parser splitting fields at `fieldSeparator` and keys from values at `keyValueSeparator`; `nil`
    /// when either is empty.
    init?(fieldSeparator: String, keyValueSeparator: String) {
        guard !fieldSeparator.isEmpty, !keyValueSeparator.isEmpty else { return nil }
        self.fieldSeparator = Array(fieldSeparator.utf8)
        self.keyValueSeparator = Array(keyValueSeparator.utf8)
    }

    /// The pairs of `text` as an object.
    func parse(_ text: String) -> Event {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    private func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Event {
        var object = Event()
        var index = 0
        while true {
            skipFieldSeparators(bytes, &index)
            guard index < bytes.count else { return object }
            let keyStart = index
            while index < bytes.count, !starts(bytes, index, keyValueSeparator), !atFieldSeparator(bytes, index) {
                index += 1
            }
            let key = FieldName(String(decoding: bytes[keyStart..<index], as: UTF8.self))
            guard starts(bytes, index, keyValueSeparator) else {
                object[key] = .bool(true)
                continue
            }
            index += keyValueSeparator.count
            object[key] = .string(value(bytes, &index))
        }
    }

    /// The value at `index`, quoted or up to the next field separator.
    private func value(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String {
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        guard index < bytes.count, bytes[index] == quote else {
            let start = index
            while index < bytes.count, !atFieldSeparator(bytes, index) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        var unescaped: [UInt8] = []
        index += 1
        while index < bytes.count, bytes[index] != quote {
            if bytes[index] == backslash, index + 1 < bytes.count,
                bytes[index + 1] == quote || bytes[index + 1] == backslash
            {
                index += 1
            }
            unescaped.append(bytes[index])
            index += 1
        }
        index = min(index + 1, bytes.count)
        return String(decoding: unescaped, as: UTF8.self)
    }

    private var separatesByWhitespace: Bool { fieldSeparator == [UInt8(ascii: " ")] }

    private func atFieldSeparator(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        if separatesByWhitespace { return Self.isWhitespace(bytes[index]) }
        return starts(bytes, index, fieldSeparator)
    }

    private func skipFieldSeparators(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        while index < bytes.count, atFieldSeparator(bytes, index) {
            index += separatesByWhitespace ? 1 : fieldSeparator.count
        }
    }

    private func starts(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ separator: [UInt8]) -> Bool {
        guard index + separator.count <= bytes.count else { return false }
        for offset in separator.indices where bytes[index + offset] != separator[offset] { return false }
        return true
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
