/// Splits CSV records into cells, RFC 4180 style: comma-separated (or another one-byte delimiter), a
/// field in double quotes may hold delimiters, newlines and doubled quotes (`""` for `"`). Shared by the
/// `file` source and `parse_csv()`.
///
/// A record is fed one line at a time. When a line ends inside a quoted field the parser keeps its place
/// (`isOpen`) and the next line continues the field, so a record of many lines costs one pass over its
/// bytes. Cells are unescaped into one reusable byte buffer, so parsing allocates nothing once the buffers
/// have grown.
package struct CSVRecordParser {
    /// What parsing a line found.
    package enum Result {
        /// The record's cells, now in `cellCount`, `withCell(_:_:)` and `isQuoted(_:)`.
        case complete
        /// A quoted field is still open at the end of the line: the record continues on the next line.
        case unterminated
        /// Text after a closing quote, such as `"a"b`; the associated value is the 1-based column in the line.
        case malformed(column: Int)
    }

    private static let quote = UInt8(ascii: "\"")

    /// The byte between cells.
    package let delimiter: UInt8
    @usableFromInline var bytes: [UInt8] = []
    @usableFromInline var cellEnds: [Int] = []
    private var quoted: [Bool] = []
    /// True while a quoted field continues on the next line.
    package private(set) var isOpen = false

    /// A parser of records whose cells are separated by `delimiter`.
    package init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }

    /// The number of cells of the last complete record.
    package var cellCount: Int { cellEnds.count }

    /// True when cell `index` was written in quotes.
    package func isQuoted(_ index: Int) -> Bool { quoted[index] }

    /// The unescaped bytes of cell `index`.
    @inlinable
    package func withCell<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = index == 0 ? 0 : cellEnds[index - 1]
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<cellEnds[index]])) }
    }

    /// Forgets a record in progress.
    package mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        cellEnds.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
        isOpen = false
    }

    /// Parses `line` (without its newline) as a new record, or as the next line of the open one.
    package mutating func parse(_ line: UnsafeRawBufferPointer) -> Result {
        var inQuotes = isOpen
        if isOpen {
            // The newline between the lines belongs to the quoted field.
            bytes.append(UInt8(ascii: "\n"))
            isOpen = false
        } else {
            reset()
        }
        var index = 0
        while true {
            if !inQuotes {
                // At the start of a field.
                if index < line.count && line[index] == Self.quote {
                    index += 1
                    inQuotes = true
                } else {
                    while index < line.count && line[index] != delimiter {
                        bytes.append(line[index])
                        index += 1
                    }
                    quoted.append(false)
                    cellEnds.append(bytes.count)
                    guard index < line.count else { return .complete }
                    index += 1  // the delimiter
                    continue
                }
            }
            guard Self.scanQuoted(line, from: &index, into: &bytes) else {
                isOpen = true
                return .unterminated
            }
            inQuotes = false
            guard index == line.count || line[index] == delimiter else {
                reset()
                return .malformed(column: index + 1)
            }
            quoted.append(true)
            cellEnds.append(bytes.count)
            guard index < line.count else { return .complete }
            index += 1  // the delimiter
        }
    }

    /// Copies the inside of a quoted field from `line[index...]` to `bytes`, undoubling quotes. Returns
    /// true with `index` after the closing quote, or false when the line ends first.
    private static func scanQuoted(_ line: UnsafeRawBufferPointer, from index: inout Int, into bytes: inout [UInt8])
        -> Bool
    {
        while index < line.count {
            let byte = line[index]
            index += 1
            if byte != quote {
                bytes.append(byte)
            } else if index < line.count && line[index] == quote {
                bytes.append(quote)
                index += 1
            } else {
                return true
            }
        }
        return false
    }
}
