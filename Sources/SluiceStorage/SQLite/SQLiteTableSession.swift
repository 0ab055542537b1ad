import CSQLite
import SluiceCore

/// The open connection of a `SQLiteTableWriter` and what it knows of the table between batches.
final class SQLiteTableSession {
    let target: SQLiteTableTarget
    private let connection: SQLiteConnection
    /// Which fields go to which columns; its schema is `nil` until read inside a transaction.
    private let mapper: TableRowMapper<Statements>
    /// True once the table was read inside the current transaction, which makes it current.
    private var tableIsCurrent = false
    /// False until the table was read (again, after a failed transaction).
    private var tableIsKnown = false
    private var keyIndexReady = false
    private var json = JSONWriter(capacity: 256)

    /// The prepared inserts of a shape: of one row, and of `rowsPerStatement` rows.
    struct Statements {
        let single: SQLiteStatement
        let multi: SQLiteStatement
        let rowsPerStatement: Int
    }

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
        mapper = TableRowMapper(
            target: target.tableTarget, dialect: .sqlite,
            columnLimit: Int(sqlite3_limit(connection.handle, SQLITE_LIMIT_COLUMN, -1)))
    }

    /// Writes `rows` in one transaction; returns the rows not stored and why.
    func write(_ rows: [Event]) throws(TableWriteError) -> [RowRejection] {
        var batch = BatchState()
        do {
            try execute("BEGIN IMMEDIATE")
            tableIsCurrent = false
            if !tableIsKnown { try readTable() }
            for index in rows.indices { try add(row: index, of: rows, to: &batch) }
            try runPending(of: rows, in: &batch)
            try execute("COMMIT")
            return batch.rejections
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            // What was learnt inside the transaction (new columns, the table itself) may be undone.
            tableIsKnown = false
            tableIsCurrent = false
            throw error
        }
    }

    // MARK: Rows

    /// The progress of one batch: rows bound into the current shape's multi-row statement but not run yet,
    /// and the rows rejected so far.
    private struct BatchState {
        var shape: RowShape<Statements>?
        var pending: [Int] = []
        var rejections: [RowRejection] = []
    }

    /// Checks row `index` and binds it into its shape's multi-row statement, which runs once full.
    private func add(row index: Int, of rows: [Event], to batch: inout BatchState) throws(TableWriteError) {
        let event = rows[index]
        guard let shape = try shape(of: rows, at: index, rejections: &batch.rejections) else { return }
        if batch.shape !== shape {
            try runPending(of: rows, in: &batch)
            batch.shape = shape
        }
        if let problem = shape.keyProblem(of: event) {
            batch.rejections.append(RowRejection(row: index, reason: .missingKey, message: problem))
            return
        }
        let statements = try statements(for: shape)
        let base = Int32(batch.pending.count * shape.columns.count)
        if let rejection = try bind(event, row: index, shape: shape, to: statements.multi, from: base) {
            batch.rejections.append(rejection)
            return
        }
        batch.pending.append(index)
        if batch.pending.count == statements.rowsPerStatement {
            defer { batch.pending.removeAll(keepingCapacity: true) }
            defer { statements.multi.reset() }
            do {
                try statements.multi.step()
            } catch  where error.rejectsRow {
                // The statement's rows were all undone: run them one at a time to find the bad ones.
                statements.multi.reset()
                try runOneByOne(batch.pending, of: rows, shape: shape, rejections: &batch.rejections)
            } catch {
                throw .database(error)
            }
        }
    }

    /// The shape of `rows[index]`, adding the columns its new fields need (`TableRowMapper.resolveShape`).
    private func shape(
        of rows: [Event], at index: Int, rejections: inout [RowRejection]
    ) throws(TableWriteError) -> RowShape<Statements>? {
        try mapper.resolveShape(
            of: rows, at: index, rejections: &rejections, isCurrent: { tableIsCurrent },
            readTable: { () throws(TableWriteError) in try readTable() },
            addColumns: { columns throws(TableWriteError) in try addColumns(columns) })
    }

    /// Runs the rows bound but not run yet (fewer than a full statement) one at a time.
    private func runPending(of rows: [Event], in batch: inout BatchState) throws(TableWriteError) {
        guard let shape = batch.shape, !batch.pending.isEmpty else { return }
        defer { batch.pending.removeAll(keepingCapacity: true) }
        try runOneByOne(batch.pending, of: rows, shape: shape, rejections: &batch.rejections)
    }

    /// Inserts each of `indexes` (checked rows of `shape`) with the single-row statement.
    private func runOneByOne(
        _ indexes: [Int], of rows: [Event], shape: RowShape<Statements>, rejections: inout [RowRejection]
    ) throws(TableWriteError) {
        let statement = try statements(for: shape).single
        for index in indexes {
            if let rejection = try bind(rows[index], row: index, shape: shape, to: statement, from: 0) {
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

    /// Binds the stored fields of `event` to parameters `base + 1`, `base + 2`, ...; a rejection when a
    /// value does not fit its column.
    private func bind(
        _ event: Event, row index: Int, shape: RowShape<Statements>, to statement: SQLiteStatement, from base: Int32
    ) throws(TableWriteError) -> RowRejection? {
        var parameter = base + 1
        return try shape.storedValues(of: event, row: index) { stored in
            statement.bind(stored, at: parameter, scratch: &json)
            parameter += 1
        }
    }

    /// The shape's statements, prepared on first use.
    private func statements(for shape: RowShape<Statements>) throws(TableWriteError) -> Statements {
        if let statements = shape.prepared { return statements }
        // SQLite numbers at most `SQLITE_LIMIT_VARIABLE_NUMBER` parameters per statement.
        let parameterLimit = Int(sqlite3_limit(connection.handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        let rows = max(1, min(Self.rowsPerStatement, parameterLimit / max(1, shape.columns.count)))
        let single = try prepare(SQLiteTableSQL.insert(into: target.table, columns: shape.columns, key: target.key))
        let multi =
            rows == 1
            ? single
            : try prepare(
                SQLiteTableSQL.insert(into: target.table, columns: shape.columns, key: target.key, rows: rows))
        let statements = Statements(single: single, multi: multi, rowsPerStatement: rows)
        shape.prepared = statements
        return statements
    }

    // MARK: Schema

    /// Creates the table, or adds columns to it; a message when the database refuses (the row is then
    /// rejected, the others can still be stored).
    private func addColumns(_ columns: [TableSchema.Column]) throws(TableWriteError) -> String? {
        let exists = mapper.schema != nil
        // A new table gets all of the row's columns at once; an existing one a column at a time.
        let statements =
            exists
            ? columns.map { (SQLiteTableSQL.addColumn($0, to: target.table), [$0]) }
            : [(SQLiteTableSQL.createTable(target.table, columns: columns), columns)]
        for (sql, added) in statements {
            do {
                try connection.execute(sql)
            } catch  where error.rejectsRow || error.primaryCode == SQLITE_ERROR {
                // "too many columns", say: this row cannot be stored, the others still can.
                return "cannot add its columns to the table: \(error.message)"
            } catch {
                throw .database(error)
            }
            mapper.added(added)
        }
        try createKeyIndexIfReady()
        return nil
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
        tableIsCurrent = true
        tableIsKnown = true
        keyIndexReady = false
        try mapper.adopt(
            existing: existing,
            create: { columns throws(TableWriteError) in
                try execute(SQLiteTableSQL.createTable(target.table, columns: columns))
            },
            add: { column throws(TableWriteError) in try execute(SQLiteTableSQL.addColumn(column, to: target.table)) })
        try createKeyIndexIfReady()
    }

    private func createKeyIndexIfReady() throws(TableWriteError) {
        guard !target.key.isEmpty, !keyIndexReady, mapper.hasKeyColumns else { return }
        do {
            try connection.execute(SQLiteTableSQL.createKeyIndex(on: target.table, key: target.key))
        } catch {
            throw .keyIndex(error)
        }
        keyIndexReady = true
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
}
