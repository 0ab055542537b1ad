import SluiceCore

/// How `runner query` prints a result.
public enum QueryOutputFormat: String, Sendable, CaseIterable {
    /// Aligned columns for people, a `NULL` for null, and a footer with the row count.
    case table
    /// A JSON array of objects, one per row (one line each), keyed by column name.
    case json
    /// A header row and one row per result row (RFC 4180); null is an empty cell.
    case csv
}

extension QueryResult {
    /// The result as text in `format`, ending in a newline.
    public func rendered(as format: QueryOutputFormat) -> String {
        switch format {
        case .table: return renderedTable()
        case .json: return renderedJSON()
        case .csv: return renderedCSV()
        }
    }

    private func renderedTable() -> String {
        let cells = rows.map { $0.map(Self.tableCell) }
        let widths = columns.indices.map { column in
            max(columns[column].count, cells.map { $0[column].count }.max() ?? 0)
        }
        func line(_ texts: [String], rightAligned: [Bool]) -> String {
            let padded = texts.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return rightAligned[column] ? padding + text : text + padding
            }
            var text = padded.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        var text = line(columns, rightAligned: columns.map { _ in false })
        text += line(widths.map { String(repeating: "-", count: $0) }, rightAligned: widths.map { _ in false })
        for (row, values) in zip(cells, rows) {
            // Numbers read better right-aligned.
            text += line(row, rightAligned: values.map { $0.number != nil })
        }
        let count = rows.count == 1 ? "1 row" : "\(rows.count) rows"
        text += isTruncated ? "(\(count); the query returned more, cut by the row limit)\n" : "(\(count))\n"
        return text
    }

    /// A value in a table cell: text as it is (line breaks escaped to keep the row on one line), null as
    /// `NULL`, anything else as JSON.
    private static func tableCell(_ value: Value) -> String {
        switch value {
        case .null: return "NULL"
        case .string(let text): return text.replacing("\n", with: "\\n").replacing("\r", with: "\\r")
        default: return value.description
        }
    }

    private func renderedJSON() -> String {
        let names = columns.map(FieldName.init)
        var writer = JSONWriter()
        writer.bytes.append(UInt8(ascii: "["))
        for (index, row) in rows.enumerated() {
            writer.bytes.append(contentsOf: index == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
            var event = Event(capacity: names.count)
            // Appended, not set: a name that repeats (`SELECT a, a`) keeps both values.
            for (name, value) in zip(names, row) { event.fields.append(Event.Field(name: name, value: value)) }
            writer.write(event)
        }
        writer.bytes.append(contentsOf: rows.isEmpty ? [UInt8(ascii: "]"), 0x0A] : [0x0A, UInt8(ascii: "]"), 0x0A])
        return writer.string
    }

    private func renderedCSV() -> String {
        var bytes: [UInt8] = []
        var scratch = JSONWriter(cachesKeys: false)
        func appendRow(_ cells: [Value]) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                switch cell {
                case .null: break
                case .string(let text): CSVText.appendCell(text, to: &bytes)
                default:
                    scratch.reset()
                    scratch.write(cell)
                    scratch.bytes.withUnsafeBufferPointer { CSVText.appendCell($0, to: &bytes) }
                }
            }
            bytes.append(0x0A)
        }
        appendRow(columns.map(Value.string))
        for row in rows { appendRow(row) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
