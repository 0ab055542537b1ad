import SluiceCore

/// Writes events as CSV rows quoted per RFC 4180, rows ending in `\n`.
///
/// The columns are a sink's `fields`, or the header of the file being appended to, or else the first
/// event's top-level fields in order. A cell holds a string as
/// it is, `null` or a missing field as nothing, and any other value as its JSON text. A cell is quoted
/// when it contains a comma, a quote, CR or LF, with quotes doubled.
///
/// When the columns were not listed (`fields`), a later event may carry a top-level field that is no
/// column: it cannot be written. Such events are counted (`csv_new_field`) and each new field is logged
/// once, or, with `on_new_field: fail`, the sink fails for good at the first one.
struct CSVEncoder: EventEncoder {
    private var columns: [FieldPath]?
    /// True when the columns were listed by the sink's `fields`: other fields are left out on purpose.
    private let listed: Bool
    private let onNewField: NewFieldPolicy
    /// The top-level names of the columns, once known, when they were not listed.
    private var columnNames: Set<FieldName> = []
    /// Fields outside the columns, each logged once.
    private var reported: Set<FieldName> = []
    /// Since the last `report`: events with fields outside the columns, and the fields first met.
    private var eventsWithNewFields = 0
    private var newFields: [FieldName] = []
    private var writesHeader: Bool
    private var scratch = JSONWriter()

    /// An encoder for `columns`, or when `nil` for the columns of the file appended to or of the first
    /// event; `onNewField` says what a field outside those inferred columns does.
    init(columns: [FieldPath]?, onNewField: NewFieldPolicy = .warn) {
        self.columns = columns
        listed = columns != nil
        self.onNewField = onNewField
        writesHeader = true
    }

    /// Takes the columns from the header of a file appended to, which has one already; writes the header
    /// when the columns are known, so even an empty output has one.
    mutating func begin(into buffer: inout JSONWriter, existing: ExistingOutput) {
        writesHeader = !existing.hasData
        if columns == nil, let header = existing.firstLine {
            let paths = Self.cells(ofRow: header).compactMap(FieldPath.init)
            if !paths.isEmpty { use(paths) }
        }
        if let columns { writeHeaderIfPending(columns, into: &buffer) }
    }

    mutating func encode(_ event: Event, into buffer: inout JSONWriter) throws(StageFailure) {
        if columns == nil { use(event.fields.map { FieldPath(head: $0.name) }) }
        guard let columns else { return }
        if !listed, !Self.hasExactly(columns, event) { try noteNewFields(of: event) }
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

    /// Counts the events since the last call that had fields outside the columns and logs each new field.
    mutating func report(into output: inout ProcessorOutput) {
        output.count(.csvNewField, eventsWithNewFields)
        eventsWithNewFields = 0
        guard !newFields.isEmpty, let columns else { return }
        let names = newFields.map { "'\($0)'" }.joined(separator: ", ")
        let (noun, verb) = newFields.count == 1 ? ("field", "is") : ("fields", "are")
        output.log.warn(
            counter: .csvNewField,
            "\(noun) \(names) appeared after the CSV columns were fixed (\(Self.list(columns))) and \(verb) not "
                + "written; list the columns with `fields:` or set `on_new_field: fail` (counted as csv_new_field, "
                + "each field logged once)")
        newFields.removeAll()
    }

    private mutating func use(_ columns: [FieldPath]) {
        self.columns = columns
        columnNames = Set(columns.map(\.head))
    }

    /// True when the event's top-level fields are the columns, in order: the usual case, checked without
    /// hashing.
    private static func hasExactly(_ columns: [FieldPath], _ event: Event) -> Bool {
        guard columns.count == event.fields.count else { return false }
        for (column, field) in zip(columns, event.fields) where column.head != field.name || !column.tail.isEmpty {
            return false
        }
        return true
    }

    private mutating func noteNewFields(of event: Event) throws(StageFailure) {
        var counted = false
        for field in event.fields where !columnNames.contains(field.name) {
            if onNewField == .fail {
                throw StageFailure(
                    "field '\(field.name)' is not among the CSV columns (\(Self.list(columns ?? []))) and "
                        + "on_new_field is fail; list the columns with `fields:`")
            }
            if !counted {
                eventsWithNewFields += 1
                counted = true
            }
            if reported.insert(field.name).inserted { newFields.append(field.name) }
        }
    }

    private static func list(_ columns: [FieldPath]) -> String {
        columns.map(\.description).joined(separator: ", ")
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

/// What a `csv` file sink does with a field that is not among its columns when it took them from the
/// first event (or the appended file's header).
public enum NewFieldPolicy: String, Sendable, CaseIterable {
    /// Leave the field out of the row, count the event (`csv_new_field`) and log the field once.
    case warn
    /// Fail the sink for good.
    case fail
}

extension StageCounter {
    /// Events a `csv` sink wrote without some of their fields, which are not among its columns.
    public static let csvNewField: StageCounter = "csv_new_field"
}
