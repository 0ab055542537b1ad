import SluiceCore

/// Splits one CSV record into cells, RFC 4180 style: comma-separated, a field in double quotes may hold
/// commas, newlines and doubled quotes (`""` for `"`).
///
/// Cells are unescaped into one reusable byte buffer, so parsing a record allocates nothing once the
/// buffers have grown.
struct CSVRecordParser {
    /// What parsing a record found.
    enum Result {
        /// The record's cells, now in `cellCount`, `cell(_:)` and `isQuoted(_:)`.
        case complete
        /// A quoted field is still open at the end: the record continues on the next line.
        case unterminated
        /// Text after a closing quote, such as `"a"b`; the associated value is the 1-based column.
        case malformed(column: Int)
    }

    private var bytes: [UInt8] = []
    private var cellEnds: [Int] = []
    private var quoted: [Bool] = []

    /// The number of cells of the last complete record.
    var cellCount: Int { cellEnds.count }

    /// True when cell `index` was written in quotes.
    func isQuoted(_ index: Int) -> Bool { quoted[index] }

    /// The unescaped bytes of cell `index`.
    func withCell<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = index == 0 ? 0 : cellEnds[index - 1]
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<cellEnds[index]])) }
    }

    /// Parses `record`, a line or several lines joined by `\n`.
    mutating func parse(_ record: UnsafeRawBufferPointer) -> Result {
        bytes.removeAll(keepingCapacity: true)
        cellEnds.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        var index = 0
        while true {
            // At the start of a field.
            if index < record.count && record[index] == quote {
                index += 1
                var closed = false
                while index < record.count {
                    let byte = record[index]
                    index += 1
                    if byte != quote {
                        bytes.append(byte)
                    } else if index < record.count && record[index] == quote {
                        bytes.append(quote)
                        index += 1
                    } else {
                        closed = true
                        break
                    }
                }
                guard closed else { return .unterminated }
                guard index == record.count || record[index] == comma else { return .malformed(column: index + 1) }
                quoted.append(true)
            } else {
                while index < record.count && record[index] != comma {
                    bytes.append(record[index])
                    index += 1
                }
                quoted.append(false)
            }
            cellEnds.append(bytes.count)
            guard index < record.count else { return .complete }
            index += 1  // the comma
        }
    }
}
