import SluiceCore

/// Where a table writer writes, whatever the database: a table, its upsert key and, optionally, its columns.
public struct TableTarget: Sendable, Equatable {
    public var table: SQLIdentifier
    /// The columns whose values identify a row: a row with the key of an existing row replaces that row's
    /// values. Empty: every row is inserted.
    public var key: [SQLIdentifier]
    /// The declared columns; only these fields are stored. `nil`: the table is created from the first rows
    /// and every new field adds a column.
    public var columns: [TableSchema.Column]?

    public init(table: SQLIdentifier, key: [SQLIdentifier] = [], columns: [TableSchema.Column]? = nil) {
        self.table = table
        self.key = key
        self.columns = columns
    }
}

/// The database-neutral half of a table writer: which columns the fields of an event go to, which
/// columns a new field needs and of what type, and which rows cannot be stored. The database's session
/// runs the SQL (reads the table, adds the columns this asks for, writes the rows).
final class TableRowMapper<Prepared> {
    let target: TableTarget
    let dialect: SQLDialect
    /// The most columns a table of this database may have.
    let columnLimit: Int
    /// The table's columns as last read; `nil` when the table does not exist (or is not read yet).
    private(set) var schema: TableSchema?
    private var shapes: [[FieldName]: RowShape<Prepared>] = [:]
    private var lastShape: RowShape<Prepared>?
    /// True once the table was read inside the current transaction, which makes `schema` current.
    private(set) var isCurrent = false
    /// False until the table was read (again, after a failed transaction).
    private(set) var isKnown = false
    private var keyIndexReady = false

    /// How many rows after the one that adds a column are looked at to choose between integer and real.
    static var inferenceLookahead: Int { 1_000 }

    init(target: TableTarget, dialect: SQLDialect, columnLimit: Int) {
        self.target = target
        self.dialect = dialect
        self.columnLimit = columnLimit
    }

    /// What the mapper made of an event.
    enum Lookup {
        case shape(RowShape<Prepared>)
        case rejected(RowRejection.Reason, String)
        /// The table needs these columns (created with them when it does not exist) before the event fits.
        case needsColumns([TableSchema.Column])
    }

    /// Starts over from the table as just read (`nil`: it does not exist); shapes are worked out again.
    func reset(schema: TableSchema?) {
        self.schema = schema
        shapes.removeAll()
        lastShape = nil
    }

    /// Records columns the session has just added (or the table it created with them).
    func added(_ columns: [TableSchema.Column]) {
        var updated = schema ?? TableSchema(dialect: dialect)
        for column in columns { updated.append(column) }
        schema = updated
    }

    /// A batch's transaction began: the table as known may have changed since (another writer).
    func beginTransaction() {
        isCurrent = false
    }

    /// The transaction failed: what was learnt inside it may be undone, so the table is read again.
    func forgetTable() {
        isKnown = false
        isCurrent = false
    }

    /// True when the upsert key's unique index is still to be created and the table has every key column.
    var needsKeyIndex: Bool {
        guard !target.key.isEmpty, !keyIndexReady, let schema else { return false }
        return target.key.allSatisfy { schema.position(of: $0.name) != nil }
    }

    /// Records that the key's unique index exists.
    func keyIndexCreated() {
        keyIndexReady = true
    }

    /// The shape of `rows[index]`: the last one when it matches, a known one, or worked out now.
    @inline(__always)
    func shape(of rows: [Event], at index: Int) -> Lookup {
        if let last = lastShape, last.matches(rows[index]) { return .shape(last) }
        let lookup = findShape(of: rows, at: index)
        if case .shape(let shape) = lookup { lastShape = shape.isReusable ? shape : nil }
        return lookup
    }

    private func findShape(of rows: [Event], at index: Int) -> Lookup {
        let event = rows[index]
        let names = event.fields.map(\.name)
        if let known = shapes[names] { return .shape(known) }
        var newFields: [Int] = []
        // A null field that is not a column yet says nothing about its type: it is not stored, and the
        // shape is not kept, so a later event with the same names and a value there adds the column.
        var hasUnstoredNull = false
        var storedNames: Set<String> = []
        for (position, field) in event.fields.enumerated() {
            let name = field.name.string
            if schema?.position(of: name) == nil {
                if target.columns != nil { continue }
                if field.value.isNull {
                    hasUnstoredNull = true
                    continue
                }
                do {
                    _ = try dialect.column(name)
                } catch {
                    return .rejected(.invalidColumn, "field '\(name)': \(error)")
                }
                newFields.append(position)
            }
            guard storedNames.insert(dialect.nameKey(name)).inserted else {
                let rule = dialect.database == .sqlite ? " (column names ignore ASCII case)" : ""
                return .rejected(.invalidColumn, "two fields name column '\(name)'\(rule)")
            }
        }
        if !newFields.isEmpty { return newColumns(for: newFields, of: rows, at: index) }
        let shape = makeShape(names: names, event: event, isReusable: !hasUnstoredNull)
        if shape.isReusable { shapes[names] = shape }
        return .shape(shape)
    }

    /// The columns that `fields` of `rows[index]` need, unless the row must be rejected first.
    private func newColumns(for fields: [Int], of rows: [Event], at index: Int) -> Lookup {
        let event = rows[index]
        // Key fields are checked before any column is added, so a row without its key changes nothing.
        for keyColumn in target.key
        where !event.fields.contains(where: {
            dialect.nameKey($0.name.string) == dialect.nameKey(keyColumn.name) && !$0.value.isNull
        }) {
            return .rejected(.missingKey, "the row has no value for key field '\(keyColumn.name)'")
        }
        var columns: [TableSchema.Column] = []
        for position in fields {
            let field = event.fields[position]
            // Validated by the caller.
            guard let name = try? dialect.column(field.name.string) else { continue }
            columns.append(TableSchema.Column(name: name, type: Self.inferType(of: field, at: index, in: rows)))
        }
        // Checked first, so a row with too many fields adds none of them to the table.
        if (schema?.columns.count ?? 0) + columns.count > columnLimit {
            let database = dialect.database == .sqlite ? "SQLite" : "PostgreSQL"
            return .rejected(
                .rejectedByDatabase,
                "its \(columns.count) new fields would give the table more than \(database)'s \(columnLimit) columns")
        }
        return .needsColumns(columns)
    }

    private func makeShape(names: [FieldName], event: Event, isReusable: Bool) -> RowShape<Prepared> {
        var types: [ColumnType?] = []
        var columns: [SQLIdentifier] = []
        for field in event.fields {
            if let schema, let position = schema.position(of: field.name.string) {
                types.append(schema.columns[position].type)
                columns.append(schema.columns[position].name)
            } else {
                types.append(nil)
            }
        }
        return RowShape(
            names: names, columnTypes: types, columns: columns, key: target.key, dialect: dialect,
            isReusable: isReusable)
    }

    /// The type of a new column for `field`: its value's type, widened to real when a later row of the
    /// batch holds a fractional number there.
    private static func inferType(of field: Event.Field, at index: Int, in rows: [Event]) -> ColumnType {
        guard var type = ColumnType(inferringFrom: field.value) else { return .any }
        let later = rows[(index + 1)...].prefix(inferenceLookahead)
        for row in later where type == .integer {
            if let value = row[field.name] { type = type.widened(toHold: value) }
        }
        return type
    }

    /// Takes the table as just read: `existing` pairs each column with its type as the database declares
    /// it (empty: no table). With declared `columns`, creates the table or adds the declared columns it
    /// lacks through `create` and `add`, and throws when an existing column's type contradicts its
    /// declaration; the schema is then the declared columns alone (other columns are not written).
    func adopt(
        existing: [(column: TableSchema.Column, declaration: String)],
        create: ([TableSchema.Column]) throws(TableWriteError) -> Void,
        add: (TableSchema.Column) throws(TableWriteError) -> Void
    ) throws(TableWriteError) {
        isCurrent = true
        isKnown = true
        keyIndexReady = false
        guard let declared = target.columns else {
            reset(schema: existing.isEmpty ? nil : TableSchema(existing.map(\.column), dialect: dialect))
            return
        }
        guard !existing.isEmpty else {
            try create(declared)
            reset(schema: TableSchema(declared, dialect: dialect))
            return
        }
        let existingSchema = TableSchema(existing.map(\.column), dialect: dialect)
        for column in declared {
            guard let position = existingSchema.position(of: column.name.name) else {
                try add(column)
                continue
            }
            let (found, declaration) = existing[position]
            if found.type != column.type && found.type != .any {
                throw .columnTypeConflict(
                    table: target.table.name, column: found.name.name, existing: declaration, declared: column.type)
            }
        }
        reset(schema: TableSchema(declared, dialect: dialect))
    }

    /// The shape of `rows[index]`, adding the columns its new fields need; `nil`, and a rejection appended,
    /// when the row cannot be stored. A table not read in this transaction (`isCurrent` false) is read
    /// again first (`readTable`): another writer may have added the columns meanwhile. `addColumns`
    /// creates the table or adds the columns (calling `added`), or returns why the database refused.
    func resolveShape(
        of rows: [Event], at index: Int, rejections: inout [RowRejection],
        readTable: () throws(TableWriteError) -> Void,
        addColumns: ([TableSchema.Column]) throws(TableWriteError) -> String?
    ) throws(TableWriteError) -> RowShape<Prepared>? {
        while true {
            switch shape(of: rows, at: index) {
            case .shape(let shape):
                return shape
            case .rejected(let reason, let message):
                rejections.append(RowRejection(row: index, reason: reason, message: message))
                return nil
            case .needsColumns(let columns):
                if !isCurrent {
                    try readTable()
                    continue
                }
                if let message = try addColumns(columns) {
                    rejections.append(RowRejection(row: index, reason: .rejectedByDatabase, message: message))
                    return nil
                }
            }
        }
    }
}
