import SluiceCore

/// Writes events as CSV rows quoted per RFC 4180, rows ending in `\n`.
///
/// The columns are a sink's `fields`, or the header of the file being appended to, or else the first
/// event's top-level fields in order. A cell holds a string as
/// it is, `null` or a missing field as nothing, and any other value as its JSON text. A cell is quoted
/// when it contains a comma, a quote, CR or LF, with quotes doubled.
struct CSVEncoder: EventEncoder {
    private var columns: [FieldPath]?
    private var writesHeader: Bool
    private var scratch = JSONWriter()

    /// An encoder for `columns`, or when `nil` for the columns of the file appended to or of the first event.
    init(columns: [FieldPath]?) {
        self.columns = columns
        writesHeader = true
    }

    /// Takes the columns from the header of a file appended to, which has one already; writes the header
    /// when the columns are known, so even an empty output has one.
    mutating func begin(into buffer: inout JSONWriter, existing: ExistingOutput) {
        writesHeader = !existing.hasData
        if columns == nil, let header = existing.firstLine {
            let paths = Self.cells(ofRow: header).compactMap(FieldPath.init)
            if !paths.isEmpty { columns = paths }
        }
        if let columns { writeHeaderIfPending(columns, into: &buffer) }
    }

    mutating func encode(_ event: Event, into buffer: inout JSONWriter) {
        let columns = self.columns ?? event.fields.map { FieldPath(head: $0.name) }
        if self.columns == nil { self.columns = columns }
        writeHeaderIfPending(columns, into: &buffer)
        for (index, path) in columns.enumerated() {
            if index > 0 { buffer.bytes.append(UInt8(ascii: ",")) }
            switch event.value(at: path) {
            case nil, .null?:
                break
            case .string(let text)?:
                CSVText.appendCell(text, to: &buffer.bytes)
            case let value?:
                scratch.reset()
                scratch.write(value)
                scratch.bytes.withUnsafeBufferPointer { CSVText.appendCell($0, to: &buffer.bytes) }
            }
        }
        buffer.bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func writeHeaderIfPending(_ columns: [FieldPath], into buffer: inout JSONWriter) {
        guard writesHeader else { return }
        writesHeader = false
        for (index, path) in columns.enumerated() {
            if index > 0 { buffer.bytes.append(UInt8(ascii: ",")) }
            CSVText.appendCell(path.description, to: &buffer.bytes)
        }
        buffer.bytes.append(UInt8(ascii: "\n"))
    }

    /// The cells of one CSV row (such as an existing header line), undoing RFC 4180 quoting.
    static func cells(ofRow row: String) -> [String] {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var iterator = row.makeIterator()
        while let character = iterator.next() {
            switch (character, quoted) {
            case ("\"", true):
                // A doubled quote inside quotes is a literal quote; a single one closes the quotes.
                if let next = iterator.next() {
                    if next == "\"" {
                        cell.append("\"")
                    } else {
                        quoted = false
                        if next == "," {
                            cells.append(cell)
                            cell = ""
                        } else {
                            cell.append(next)
                        }
                    }
                } else {
                    quoted = false
                }
            case ("\"", false) where cell.isEmpty:
                quoted = true
            case (",", false):
                cells.append(cell)
                cell = ""
            default:
                cell.append(character)
            }
        }
        cells.append(cell)
        return cells
    }
}
