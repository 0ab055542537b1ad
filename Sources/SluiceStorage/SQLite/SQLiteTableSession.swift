import CSQLite
import SluiceCore

/// The open connection of a `SQLiteTableWriter` and what it knows of the table between batches.
final class SQLiteTableSession {
    let target: SQLiteTableTarget
    private let connection: SQLiteConnection
    /// The table as last read; `nil` until read inside a transaction, and again after a failed one.
    private var table: KnownTable?
    /// True once `table` was read inside the current transaction, which makes it current.
    private var tableIsCurrent = false
    private var lastShape: RowShape?
    private var json = JSONWriter(capacity: 256)

    /// What the session knows of its table between batches.
    private struct KnownTable {
        /// The columns; `nil` when the table does not exist yet.
        var schema: TableSchema?
        var keyIndexReady: Bool
        var shapes: [[FieldName]: RowShape] = [:]
    }

    /// How many rows after the one that adds a column are looked at to choose between integer and real.
    static let inferenceLookahead = 1_000
    /// Rows per `INSERT` statement: one statement of 16 rows costs SQLite about half as much per row as
    /// 16 statements of one (measured with `sluice-bench sqlite`).
    static let rowsPerStatement = 16

    /// Opens the database in WAL mode.
    init(target: SQLiteTableTarget, busyTimeoutMilliseconds: Int32) throws(TableWriteError) {
        self.target = target
        do {
            connection = try SQLiteConnection(path: target.path, mode: .readWriteCreate)
            connection.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
            try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        } catch {
            throw .database(error)
        }
    }

    /// Writes `rows` in one transaction; returns the rows not stored and why.
    func write(_ rows: [Event]) throws(TableWriteError) -> [RowRejection] {
        var batch = BatchState()
        do {
            try execute("BEGIN IMMEDIATE")
            tableIsCurrent = false
            if table == nil { try readTable() }
            for index in rows.indices { try add(row: index, of: rows, to: &batch) }
            try runPending(of: rows, in: &batch)
            try execute("COMMIT")
            return batch.rejections
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            // What was learnt inside the transaction (new columns, the table itself) may be undone.
            forgetTable()
            throw error
        }
    }

    // MARK: Rows

    /// The progress of one batch: rows bound into the current shape's multi-row statement but not run yet,
    /// and the rows rejected so far.
    private struct BatchState {
        var shape: RowShape?
        var pending: [Int] = []
        var rejections: [RowRejection] = []
    }

    /// Checks row `index` and binds it into its shape's multi-row statement, which runs once full.
    private func add(row index: Int, of rows: [Event], to batch: inout BatchState) throws(TableWriteError) {
        let event = rows[index]
        let shape: RowShape
        if let last = lastShape, last.matches(event) {
            shape = last
        } else {
            switch try findShape(of: event, at: index, in: rows) {
            case .rejected(let reason, let message):
                batch.rejections.append(RowRejection(row: index, reason: reason, message: message))
                return
            case .shape(let found): shape = found
            }
            lastShape = shape.isReusable ? shape : nil
        }
        if batch.shape !== shape {
            try runPending(of: rows, in: &batch)
            batch.shape = shape
        }
        if let rejection = Self.keyProblem(of: event, shape: shape) {
            batch.rejections.append(RowRejection(row: index, reason: .missingKey, message: rejection))
            return
        }
        let statement = try statements(for: shape).multi
        let base = Int32(batch.pending.count * shape.columns.count)
        if let rejection = bind(event, row: index, shape: shape, to: statement, from: base) {
            batch.rejections.append(rejection)
            return
        }
        batch.pending.append(index)
        if batch.pending.count == shape.rowsPerStatement {
            defer { batch.pending.removeAll(keepingCapacity: true) }
            defer { statement.reset() }
            do {
                try statement.step()
            } catch  where error.rejectsRow {
                // The statement's rows were all undone: run them one at a time to find the bad ones.
                statement.reset()
                try runOneByOne(batch.pending, of: rows, shape: shape, rejections: &batch.rejections)
            } catch {
                throw .database(error)
            }
        }
    }

    /// Runs the rows bound but not run yet (fewer than a full statement) one at a time.
    private func runPending(of rows: [Event], in batch: inout BatchState) throws(TableWriteError) {
        guard let shape = batch.shape, !batch.pending.isEmpty else { return }
        defer { batch.pending.removeAll(keepingCapacity: true) }
        try runOneByOne(batch.pending, of: rows, shape: shape, rejections: &batch.rejections)
    }

    /// Inserts each of `indexes` (checked rows of `shape`) with the single-row statement.
    private func runOneByOne(
        _ indexes: [Int], of rows: [Event], shape: RowShape, rejections: inout [RowRejection]
    ) throws(TableWriteError) {
        let statement = try statements(for: shape).single
        for index in indexes {
            if let rejection = bind(rows[index], row: index, shape: shape, to: statement, from: 0) {
                rejections.append(rejection)
                continue
            }
            defer { statement.reset() }
            do {
                try statement.step()
            } catch  where error.rejectsRow {
                rejections.append(RowRejection(row: index, reason: .rejectedByDatabase, message: error.message))
            } catch {
                throw .database(error)
            }
        }
    }

    /// Why `event` cannot be upserted: a key field it lacks, or one that is null.
    private static func keyProblem(of event: Event, shape: RowShape) -> String? {
        if let missing = shape.missingKeyColumn { return "the row has no key field '\(missing)'" }
        for field in shape.keyFields where event.fields[field].value.isNull {
            return "key field '\(event.fields[field].name)' is null"
        }
        return nil
    }

    /// Binds the stored fields of `event` to parameters `base + 1`, `base + 2`, ...; a rejection when a
    /// value does not fit its column.
    private func bind(
        _ event: Event, row index: Int, shape: RowShape, to statement: SQLiteStatement, from base: Int32
    ) -> RowRejection? {
        var parameter = base + 1
        for (position, field) in event.fields.enumerated() {
            guard let type = shape.columnTypes[position] else { continue }
            guard let stored = type.storedValue(for: field.value) else {
                return RowRejection(
                    row: index, reason: .wrongType,
                    message: "column '\(field.name)' is \(type.rawValue); found \(Self.describe(field.value))")
            }
            bind(stored, to: statement, at: parameter)
            parameter += 1
        }
        return nil
    }

    private func bind(_ stored: StoredValue, to statement: SQLiteStatement, at parameter: Int32) {
        switch stored {
        case .null: statement.bindNull(at: parameter)
        case .integer(let number): statement.bind(number, at: parameter)
        case .real(let number): statement.bind(number, at: parameter)
        case .text(let text): statement.bind(text, at: parameter)
        case .json(let value):
            json.reset()
            json.write(value)
            statement.bindText(json.bytes, at: parameter)
        }
    }

    /// The shape's statements, prepared on first use.
    private func statements(for shape: RowShape) throws(TableWriteError) -> RowShape.Statements {
        if let statements = shape.statements { return statements }
        let single = try prepare(SQLiteTableSQL.insert(into: target.table, columns: shape.columns, key: target.key))
        let multi =
            shape.rowsPerStatement == 1
            ? single
            : try prepare(
                SQLiteTableSQL.insert(
                    into: target.table, columns: shape.columns, key: target.key, rows: shape.rowsPerStatement))
        let statements = RowShape.Statements(single: single, multi: multi)
        shape.statements = statements
        return statements
    }

    // MARK: Shapes and schema

    private enum ShapeResult {
        case shape(RowShape)
        case rejected(RowRejection.Reason, String)
    }

    /// The shape of `event`: known, or worked out now, adding the columns its new fields need.
    private func findShape(of event: Event, at index: Int, in rows: [Event]) throws(TableWriteError) -> ShapeResult {
        let names = event.fields.map(\.name)
        if let known = table?.shapes[names] { return .shape(known) }
        let schema = table?.schema
        var newFields: [Int] = []
        // A null field that is not a column yet says nothing about its type: it is not stored, and the
        // shape is not kept, so a later event with the same names and a value there adds the column.
        var hasUnstoredNull = false
        var storedNames: Set<String> = []
        for (position, field) in event.fields.enumerated() {
            let name = field.name.string
            let isColumn = schema?.position(of: name) != nil
            if !isColumn {
                if target.columns != nil { continue }
                if field.value.isNull {
                    hasUnstoredNull = true
                    continue
                }
                do {
                    _ = try SQLIdentifier(name)
                } catch {
                    return .rejected(.invalidColumn, "field '\(name)': \(error)")
                }
                newFields.append(position)
            }
            guard storedNames.insert(SQLIdentifier.fold(name)).inserted else {
                return .rejected(
                    .invalidColumn, "two fields name column '\(name)' (column names ignore ASCII case)")
            }
        }
        if !newFields.isEmpty {
            // Key fields are checked before any column is added, so a row without its key changes nothing.
            for keyColumn in target.key
            where !event.fields.contains(where: {
                SQLIdentifier.fold($0.name.string) == keyColumn.foldedName && !$0.value.isNull
            }) {
                return .rejected(.missingKey, "the row has no value for key field '\(keyColumn.name)'")
            }
            if !tableIsCurrent {
                // Another writer may have added these columns meanwhile: read the table again, now that
                // this transaction holds the write lock, and start over.
                try readTable()
                return try findShape(of: event, at: index, in: rows)
            }
            if let rejection = try addColumns(for: newFields.map { event.fields[$0] }, at: index, in: rows) {
                return rejection
            }
        }
        let shape = makeShape(names: names, event: event, isReusable: !hasUnstoredNull)
        if shape.isReusable { table?.shapes[names] = shape }
        return .shape(shape)
    }

    private func makeShape(names: [FieldName], event: Event, isReusable: Bool) -> RowShape {
        var types: [ColumnType?] = []
        var columns: [SQLIdentifier] = []
        for field in event.fields {
            if let schema = table?.schema, let position = schema.position(of: field.name.string) {
                types.append(schema.columns[position].type)
                columns.append(schema.columns[position].name)
            } else {
                types.append(nil)
            }
        }
        // SQLite numbers at most `SQLITE_LIMIT_VARIABLE_NUMBER` parameters per statement.
        let parameterLimit = Int(sqlite3_limit(connection.handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        let rowsPerStatement = max(1, min(Self.rowsPerStatement, parameterLimit / max(1, columns.count)))
        return RowShape(
            names: names, columnTypes: types, columns: columns, key: target.key, isReusable: isReusable,
            rowsPerStatement: rowsPerStatement)
    }

    /// Creates the table, or adds columns to it, for `fields` (non-null, valid names, not columns yet).
    private func addColumns(
        for fields: [Event.Field], at index: Int, in rows: [Event]
    ) throws(TableWriteError) -> ShapeResult? {
        var schema = table?.schema ?? TableSchema()
        let exists = table?.schema != nil
        var added: [TableSchema.Column] = []
        for field in fields {
            // Validated by the caller.
            guard let name = try? SQLIdentifier(field.name.string) else { continue }
            added.append(TableSchema.Column(name: name, type: Self.inferType(of: field, at: index, in: rows)))
        }
        // Checked first, so a row with too many fields adds none of them to the table.
        let columnLimit = Int(sqlite3_limit(connection.handle, SQLITE_LIMIT_COLUMN, -1))
        if schema.columns.count + added.count > columnLimit {
            return .rejected(
                .rejectedByDatabase,
                "its \(added.count) new fields would give the table more than SQLite's \(columnLimit) columns")
        }
        // A new table gets all of the row's columns at once; an existing one a column at a time.
        let statements =
            exists
            ? added.map { (SQLiteTableSQL.addColumn($0, to: target.table), [$0]) }
            : [(SQLiteTableSQL.createTable(target.table, columns: added), added)]
        for (sql, columns) in statements {
            do {
                try connection.execute(sql)
            } catch  where error.rejectsRow || error.primaryCode == SQLITE_ERROR {
                // "too many columns", say: this row cannot be stored, the others still can.
                table?.schema = exists ? schema : nil
                return .rejected(.rejectedByDatabase, "cannot add its columns to the table: \(error.message)")
            } catch {
                throw .database(error)
            }
            for column in columns { schema.append(column) }
        }
        table?.schema = schema
        try createKeyIndexIfReady()
        return nil
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

    /// Reads the table's columns; with declared `columns`, creates the table or adds the missing ones.
    private func readTable() throws(TableWriteError) {
        let info = try prepare(SQLiteTableSQL.tableInfo)
        info.bind(target.table.name, at: 1)
        var existing: [(column: TableSchema.Column, declaration: String)] = []
        while try step(info) {
            guard case .string(let name) = info.value(at: 0), let identifier = try? SQLIdentifier(name) else {
                continue
            }
            let declaration = info.value(at: 1).stringValue ?? ""
            let type = SQLiteTableSQL.columnType(declaredAs: declaration)
            existing.append((TableSchema.Column(name: identifier, type: type), declaration))
        }
        lastShape = nil
        tableIsCurrent = true
        var schema = existing.isEmpty ? nil : TableSchema(existing.map(\.column))
        if let declared = target.columns {
            schema = try applyDeclaredColumns(declared, existing: existing)
        }
        table = KnownTable(schema: schema, keyIndexReady: false)
        try createKeyIndexIfReady()
    }

    /// Makes the table hold the declared columns; the schema is then the declared columns alone.
    private func applyDeclaredColumns(
        _ declared: [TableSchema.Column], existing: [(column: TableSchema.Column, declaration: String)]
    ) throws(TableWriteError) -> TableSchema {
        guard !existing.isEmpty else {
            try execute(SQLiteTableSQL.createTable(target.table, columns: declared))
            return TableSchema(declared)
        }
        let existingSchema = TableSchema(existing.map(\.column))
        for column in declared {
            guard let position = existingSchema.position(of: column.name.name) else {
                try execute(SQLiteTableSQL.addColumn(column, to: target.table))
                continue
            }
            let (found, declaration) = existing[position]
            if found.type != column.type && found.type != .any {
                throw .columnTypeConflict(
                    table: target.table.name, column: found.name.name, existing: declaration, declared: column.type)
            }
        }
        return TableSchema(declared)
    }

    private func createKeyIndexIfReady() throws(TableWriteError) {
        guard !target.key.isEmpty, var known = table, !known.keyIndexReady, let schema = known.schema,
            target.key.allSatisfy({ schema.position(of: $0.name) != nil })
        else { return }
        do {
            try connection.execute(SQLiteTableSQL.createKeyIndex(on: target.table, key: target.key))
        } catch {
            throw .keyIndex(error)
        }
        known.keyIndexReady = true
        table = known
    }

    private func forgetTable() {
        table = nil
        lastShape = nil
        tableIsCurrent = false
    }

    private func execute(_ sql: String) throws(TableWriteError) {
        do { try connection.execute(sql) } catch { throw .database(error) }
    }

    private func prepare(_ sql: String) throws(TableWriteError) -> SQLiteStatement {
        do { return try connection.prepare(sql) } catch { throw .database(error) }
    }

    private func step(_ statement: SQLiteStatement) throws(TableWriteError) -> Bool {
        do { return try statement.step() } catch { throw .database(error) }
    }

    /// A value as a rejection message shows it: its type and up to 40 characters of its JSON text.
    private static func describe(_ value: Value) -> String {
        let text = value.description
        return "\(value.typeName) " + (text.count > 40 ? String(text.prefix(40)) + "…" : text)
    }
}
