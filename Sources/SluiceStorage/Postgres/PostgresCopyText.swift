import SluiceCore

/// Rows in the text format of PostgreSQL's `COPY … FROM STDIN`: tab-separated values, `\N` for NULL,
/// backslash escapes for backslash, tab, newline and carriage return, one row per line.
struct PostgresCopyText {
    private(set) var bytes: [UInt8] = []
    private var json = JSONWriter(capacity: 256)
    private var atRowStart = true

    init() {
        bytes.reserveCapacity(1 << 20)
    }

    var count: Int { bytes.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        atRowStart = true
    }

    /// Cuts a row written only in part (its value did not fit) off the end.
    mutating func truncate(to count: Int) {
        bytes.removeSubrange(count...)
        atRowStart = true
    }

    mutating func append(_ stored: StoredValue) {
        if !atRowStart { bytes.append(0x09) }
        atRowStart = false
        switch stored {
        case .null: bytes.append(contentsOf: [0x5C, 0x4E])
        case .integer(let number): bytes.append(contentsOf: String(number).utf8)
        case .real(let number): bytes.append(contentsOf: number.description.utf8)
        case .boolean(let flag): bytes.append(flag ? 0x74 : 0x66)
        case .text(let text): appendEscaped(text.utf8)
        case .json(let value):
            json.reset()
            json.write(value)
            appendEscaped(json.bytes)
        }
    }

    mutating func endRow() {
        bytes.append(0x0A)
        atRowStart = true
    }

    /// The bytes of `ranges` (whole rows) one after another.
    func rows(_ ranges: some Sequence<Range<Int>>) -> [UInt8] {
        var result: [UInt8] = []
        for range in ranges { result.append(contentsOf: bytes[range]) }
        return result
    }

    private mutating func appendEscaped(_ text: some Sequence<UInt8>) {
        for byte in text {
            switch byte {
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            default: bytes.append(byte)
            }
        }
    }
}
