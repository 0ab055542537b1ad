import SluiceCore

/// How the events with one sequence of field names map onto a table's columns, with the statement that
/// inserts them. Aggregates emit rows of one shape, so a batch usually needs exactly one.
final class RowShape {
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
    /// Rows per multi-row `INSERT`.
    let rowsPerStatement: Int
    /// The `INSERT`s for `columns`, prepared on first use.
    var statements: Statements?

    /// The prepared inserts of a shape: of one row, and of `rowsPerStatement` rows.
    struct Statements {
        let single: SQLiteStatement
        let multi: SQLiteStatement
    }

    init(
        names: [FieldName], columnTypes: [ColumnType?], columns: [SQLIdentifier], key: [SQLIdentifier],
        isReusable: Bool, rowsPerStatement: Int
    ) {
        self.names = names
        self.isReusable = isReusable
        self.rowsPerStatement = rowsPerStatement
        self.columnTypes = columnTypes
        self.columns = columns
        var keyFields: [Int] = []
        var missing: String?
        for keyColumn in key {
            var field = 0
            var found = false
            for (index, type) in columnTypes.enumerated() where type != nil {
                if columns[field].foldedName == keyColumn.foldedName {
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
}
