import SluiceCore

/// How the events with one sequence of field names map onto a table's columns, with what the database
/// prepared to write them (`Prepared`: SQLite's statements, PostgreSQL's staging table). Aggregates emit
/// rows of one shape, so a batch usually needs exactly one.
final class RowShape<Prepared> {
    /// The event's field names, in order.
    let names: [FieldName]
    /// Per field: the type of the column it is stored in, or `nil` when the field is not stored (not
    /// among declared `columns`, or null and not yet a column).
    let columnTypes: [ColumnType?]
    /// The stored fields' columns, in field order: the statement's parameters.
    let columns: [SQLIdentifier]
    /// Positions (in the event) of the fields that hold the key.
    let keyFields: [Int]
    /// A key column that no field of this shape holds.
    let missingKeyColumn: String?
    /// False when a field is left out only for now (null, and not a column yet): the next event with
    /// these names may hold a value there and need a new column.
    let isReusable: Bool
    /// What the database prepared for this shape, on first use.
    var prepared: Prepared?

    init(
        names: [FieldName], columnTypes: [ColumnType?], columns: [SQLIdentifier], key: [SQLIdentifier],
        dialect: SQLDialect, isReusable: Bool
    ) {
        self.names = names
        self.isReusable = isReusable
        self.columnTypes = columnTypes
        self.columns = columns
        var keyFields: [Int] = []
        var missing: String?
        for keyColumn in key {
            var field = 0
            var found = false
            for (index, type) in columnTypes.enumerated() where type != nil {
                if dialect.nameKey(columns[field].name) == dialect.nameKey(keyColumn.name) {
                    keyFields.append(index)
                    found = true
                }
                field += 1
            }
            if !found && missing == nil { missing = keyColumn.name }
        }
        self.keyFields = keyFields
        missingKeyColumn = missing
    }

    /// True when `event` has exactly this shape's field names, in order.
    @inline(__always)
    func matches(_ event: Event) -> Bool {
        guard event.fields.count == names.count else { return false }
        for index in names.indices where event.fields[index].name != names[index] { return false }
        return true
    }

    /// Why `event` (of this shape) cannot be upserted: a key field it lacks, or one that is null.
    func keyProblem(of event: Event) -> String? {
        if let missing = missingKeyColumn { return "the row has no key field '\(missing)'" }
        for field in keyFields where event.fields[field].value.isNull {
            return "key field '\(event.fields[field].name)' is null"
        }
        return nil
    }

    /// Hands the stored values of `event` (of this shape) to `store`, in column order; a rejection, and
    /// no more values, when one does not fit its column's type.
    @inline(__always)
    func storedValues(
        of event: Event, row index: Int, _ store: (StoredValue) throws(TableWriteError) -> Void
    ) throws(TableWriteError) -> RowRejection? {
        for (position, field) in event.fields.enumerated() {
            guard let type = columnTypes[position] else { continue }
            guard let stored = type.storedValue(for: field.value) else {
                return RowRejection(
                    row: index, reason: .wrongType,
                    message: "column '\(field.name)' is \(type.rawValue); found \(Self.describe(field.value))")
            }
            try store(stored)
        }
        return nil
    }

    /// A value as a rejection message shows it: its type and up to 40 characters of its JSON text.
    private static func describe(_ value: Value) -> String {
        let text = value.description
        return "\(value.typeName) " + (text.count > 40 ? String(text.prefix(40)) + "…" : text)
    }
}
