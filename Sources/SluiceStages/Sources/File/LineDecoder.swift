import SluiceCore

/// The formats in which every line (or CSV record) is one event.
public enum LineFormat: String, CaseIterable, Sendable {
    /// One JSON object per line.
    case ndjson
    /// A header row, then one record per line; RFC 4180 quoting.
    case csv
    /// Each line's text as the field `message`.
    case lines
}

extension DropReason {
    /// A CSV record with text after a closing quote.
    public static let malformedCSV: DropReason = "malformed_csv"
    /// A CSV line whose quoted field is not closed within `max_line_bytes` or by the end of the input.
    public static let unclosedQuote: DropReason = "csv_unclosed_quote"
    /// A CSV record of a file whose header row was rejected: its columns have no names.
    public static let noHeader: DropReason = "csv_no_header"
}

extension StageCounter {
    /// JSON integers outside the 64-bit range, kept as the nearest float (their last digits may be lost).
    public static let inexactInteger: StageCounter = "inexact_integer"
    /// CSV header columns named like an earlier column, read under a new name (`id_2`).
    public static let duplicateColumn: StageCounter = "csv_duplicate_column"
}

/// What a stream's CSV decoding remembers between lines: the header, and a record spanning lines.
struct CSVState {
    /// A stream's header row.
    enum Header {
        /// Not read yet: the next record is the header.
        case pending
        case names([FieldName])
        /// The header row (on this line) was rejected: the records after it have no column names.
        case rejected(line: Int)
    }

    var header = Header.pending
    /// The record being parsed; open while a quoted field continues on the next line.
    var parser = CSVRecordParser()
    /// While a record spans lines: its lines so far, joined by `\n`, kept so that the lines after its first
    /// can be read again as records of their own if its quote never closes.
    var heldLines: [UInt8] = []
    /// The number of the record's first line.
    var startLine = 0
}

/// Turns lines into events in one `LineFormat`.
///
/// One decoder serves every stream of a source instance; what belongs to one stream (the CSV header, a
/// record spanning lines) lives in that stream's `CSVState`.
final class LineDecoder {
    /// Something worth reporting about input that still became an event.
    struct Note {
        var counter: StageCounter
        var count: Int
        /// What was noticed, without the stream's name and the line.
        var text: String
        var line: Int

        /// The message to log for stream `name`: `name:line: text`.
        func message(in name: String) -> String {
            "\(name):\(line): \(text)"
        }
    }

    /// What one line became.
    enum Outcome {
        case event(Event, note: Note?)
        /// Nothing to emit: a blank line, a CSV header, or the first lines of a CSV record that continues.
        case skipped
        /// Nothing to emit, but something worth reporting (a CSV header with a column name written twice).
        case noted(Note)
        /// Bad input: why, what was wrong, and the line it started on.
        case rejected(DropReason, String, line: Int)
    }

    let format: LineFormat
    private let maxRecordBytes: Int
    // Touched by the source's thread alone, once per line: the dynamic exclusivity check would cost a
    // noticeable part of decoding a short line.
    @exclusivity(unchecked) private var json = JSONReader()
    private let messageField = FieldName("message")

    init(format: LineFormat, maxRecordBytes: Int) {
        self.format = format
        self.maxRecordBytes = maxRecordBytes
    }

    /// Decodes line `number` and passes what it became to `body`: one outcome for `ndjson` and `lines`;
    /// for `csv` none while a record continues, and several when an unclosed quote is given up on and the
    /// lines after it are read again. `line` must be followed by `JSONReader.padding` readable bytes.
    func decode(
        _ line: UnsafeRawBufferPointer, number: Int, csvState: inout CSVState, _ body: (Outcome) -> Void
    ) {
        switch format {
        case .ndjson: body(decodeJSON(line, number: number))
        case .lines: body(decodeText(line, number: number))
        case .csv: decodeCSV(line, number: number, state: &csvState, body)
        }
    }

    /// Ends a stream's CSV decoding: a quoted field still open is given up on, and the lines after its
    /// first are read as records.
    func finishCSV(_ state: inout CSVState, _ body: (Outcome) -> Void) {
        guard state.parser.isOpen else { return }
        abandonOpenRecord(&state, .unclosedQuote, because: "quoted field not closed at the end of the input", body)
    }

    /// Decodes a whole JSON document: an object is one event, an array of objects one event per item.
    /// `body` receives each event or rejection; rejections count one per bad item.
    func decodeDocument(_ text: UnsafeRawBufferPointer, _ body: (Outcome) -> Void) {
        let value: Value
        do {
            value = try json.readValue(text)
        } catch {
            if error.kind != .empty { body(.rejected(error.reason, error.message, line: 1)) }
            return
        }
        let note = inexactIntegersNote(line: 1)
        switch value {
        case .object(let event):
            body(.event(event, note: note))
        case .array(let items):
            for (index, item) in items.enumerated() {
                if case .object(let event) = item {
                    body(.event(event, note: index == 0 ? note : nil))
                } else {
                    body(.rejected(.notAnObject, "array item \(index + 1) is \(item.typeName), not an object", line: 1))
                }
            }
        default:
            body(
                .rejected(
                    .notAnObject, "expected a JSON object or an array of objects, found \(value.typeName)", line: 1))
        }
    }

    private func decodeJSON(_ line: UnsafeRawBufferPointer, number: Int) -> Outcome {
        do {
            let event = try json.readEvent(line, padded: true)
            return .event(event, note: inexactIntegersNote(line: number))
        } catch {
            return error.kind == .empty ? .skipped : .rejected(error.reason, error.message, line: number)
        }
    }

    /// The note for the integers beyond `Int64` of the text just read, if it had any.
    private func inexactIntegersNote(line: Int) -> Note? {
        let count = json.inexactIntegers
        guard count > 0 else { return nil }
        let integers = count == 1 ? "an integer" : "\(count) integers"
        return Note(
            counter: .inexactInteger, count: count,
            text: "\(integers) beyond the 64-bit range read as the nearest float (digits past the 17th may be lost)",
            line: line)
    }

    private func decodeText(_ line: UnsafeRawBufferPointer, number: Int) -> Outcome {
        guard !line.isEmpty else { return .skipped }
        guard let text = String(validating: line, as: UTF8.self) else {
            return .rejected(.invalidUTF8, "invalid UTF-8", line: number)
        }
        var event = Event(capacity: 1)
        event.fields.append(Event.Field(name: messageField, value: .string(text)))
        return .event(event, note: nil)
    }

    private func decodeCSV(
        _ line: UnsafeRawBufferPointer, number: Int, state: inout CSVState, _ body: (Outcome) -> Void
    ) {
        if state.parser.isOpen {
            guard state.heldLines.count + 1 + line.count <= maxRecordBytes else {
                abandonOpenRecord(
                    &state, .unclosedQuote,
                    because: "quoted field not closed within max_line_bytes (\(maxRecordBytes) bytes)", body)
                decodeCSV(line, number: number, state: &state, body)
                return
            }
            state.heldLines.append(UInt8(ascii: "\n"))
            state.heldLines.append(contentsOf: line)
        } else {
            guard !line.isEmpty else { return body(.skipped) }
            state.startLine = number
        }
        switch state.parser.parse(line) {
        case .unterminated:
            // The first line of a record that continues: keep it, in case its quote never closes.
            if state.startLine == number {
                state.heldLines.removeAll(keepingCapacity: true)
                state.heldLines.append(contentsOf: line)
            }
            body(.skipped)
        case .malformed(let column) where state.startLine < number:
            // A quote that opened a field on an earlier line and closes here, before text: most likely a
            // stray quote on the record's first line, which swallowed the lines up to here.
            abandonOpenRecord(
                &state, .malformedCSV,
                because: "quoted field closed on line \(number) with text after its closing quote at column \(column)",
                body)
        case .malformed(let column):
            body(rejected(&state, .malformedCSV, "text after a closing quote at column \(column)", line: number))
        case .complete:
            body(csvRecord(state: &state))
        }
    }

    /// Rejects the open record at its first line and reads its later lines again as records: a quote
    /// that never closes, or closes lines later before stray text, is most likely a stray one on that first
    /// line, and the lines after it are good.
    ///
    /// A later line but the last cannot open a record again here: inside the quoted field its quotes all
    /// came in `""` pairs, which outside a field close as soon as they open. So each line is read at most
    /// twice.
    private func abandonOpenRecord(
        _ state: inout CSVState, _ reason: DropReason, because explanation: String, _ body: (Outcome) -> Void
    ) {
        body(
            rejected(
                &state, reason, "\(explanation); the line is skipped and the lines after it are read as records",
                line: state.startLine))
        state.parser.reset()
        var held: [UInt8] = []
        swap(&held, &state.heldLines)
        var number = state.startLine
        for line in held.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropFirst() {
            number += 1
            line.withUnsafeBytes { decodeCSV($0, number: number, state: &state, body) }
        }
    }

    /// A rejection of the record starting at `line`; when that record is the header row, the stream's later
    /// records are rejected too (`csv_no_header`) rather than one of them taken for the header.
    private func rejected(_ state: inout CSVState, _ reason: DropReason, _ message: String, line: Int) -> Outcome {
        guard case .pending = state.header else { return .rejected(reason, message, line: line) }
        state.header = .rejected(line: line)
        return .rejected(
            reason, "\(message) (the header row: the records after it cannot be read)", line: line)
    }

    /// The outcome of the record the parser just completed: the header, an event, or a rejection.
    private func csvRecord(state: inout CSVState) -> Outcome {
        let csv = state.parser
        let startLine = state.startLine
        let header: [FieldName]
        switch state.header {
        case .pending:
            return csvHeader(state: &state)
        case .rejected(let line):
            return .rejected(.noHeader, "no column names: the header row (line \(line)) was rejected", line: startLine)
        case .names(let names):
            header = names
        }
        guard csv.cellCount == header.count else {
            return .rejected(.csvColumns, "expected \(header.count) columns, found \(csv.cellCount)", line: startLine)
        }
        var event = Event(capacity: header.count)
        for index in 0..<header.count {
            guard let value = csv.withCell(index, { Self.csvValue($0, quoted: csv.isQuoted(index)) }) else {
                return .rejected(.invalidUTF8, "invalid UTF-8 in column \(index + 1)", line: startLine)
            }
            event[header[index]] = value
        }
        return .event(event, note: nil)
    }

    /// Takes the record the parser just completed as the header row. A name written twice would make one
    /// column overwrite the other in every event, so the later one is read as `name_2` (`_3`, ... while
    /// that is taken too), and noted.
    private func csvHeader(state: inout CSVState) -> Outcome {
        let csv = state.parser
        var names: [String] = []
        for index in 0..<csv.cellCount {
            guard let name = csv.withCell(index, { String(validating: $0, as: UTF8.self) }) else {
                return rejected(
                    &state, .invalidUTF8, "invalid UTF-8 in header column \(index + 1)", line: state.startLine)
            }
            names.append(name)
        }
        var taken = Set(names)
        var renamed: [String] = []
        var seen: Set<String> = []
        for index in names.indices where !seen.insert(names[index]).inserted {
            var suffix = 2
            while taken.contains("\(names[index])_\(suffix)") { suffix += 1 }
            let name = "\(names[index])_\(suffix)"
            renamed.append("column \(index + 1) '\(names[index])' as '\(name)'")
            taken.insert(name)
            names[index] = name
        }
        state.header = .names(names.map(FieldName.init))
        guard !renamed.isEmpty else { return .skipped }
        return .noted(
            Note(
                counter: .duplicateColumn, count: renamed.count,
                text: "header names a column twice; reading \(renamed.joined(separator: ", "))", line: state.startLine))
    }

    /// A cell's value: unquoted cells that read as JSON numbers become numbers; all else is a string.
    /// `nil` when the cell is not UTF-8.
    private static func csvValue(_ cell: UnsafeRawBufferPointer, quoted: Bool) -> Value? {
        if !quoted, let number = NumberText.value(of: cell) { return number }
        return String(validating: cell, as: UTF8.self).map(Value.string)
    }
}

/// Recognises numbers written as JSON writes them (`-12`, `3.5`, `1e-3`; not `007`, `+1` or `.5`), so
/// codes with leading zeros stay strings. So do integers beyond `Int64`: in CSV they are account or card
/// numbers more often than quantities, and as a float they would lose their last digits.
enum NumberText {
    static func value(of text: UnsafeRawBufferPointer) -> Value? {
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        var index = 0
        func skipDigits() -> Int {
            let start = index
            while index < text.count && digits.contains(text[index]) { index += 1 }
            return index - start
        }
        if index < text.count && text[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = skipDigits()
        guard integerDigits > 0, integerDigits == 1 || text[integerStart] != UInt8(ascii: "0") else { return nil }
        var isInteger = true
        if index < text.count && text[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { return nil }
            isInteger = false
        }
        if index < text.count && (text[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            if index < text.count && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard skipDigits() > 0 else { return nil }
            isInteger = false
        }
        guard index == text.count else { return nil }
        let string = String(decoding: text, as: UTF8.self)
        if isInteger { return Int64(string).map(Value.int) }
        return Double(string).map(Value.double)
    }
}
