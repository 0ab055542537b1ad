import CSQLite
import SluiceCore

/// The open connection of a `SQLiteTableWriter` and what it knows of the table between batches.
final class SQLiteTableSession: TableSession {
    let target: SQLiteTableTarget
    private let connection: SQLiteConnection
    /// Which fields go to which columns; its schema is `nil` until read inside a transaction.
    let mapper: TableRowMapper<Statements>
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
        try transaction(begin: "BEGIN IMMEDIATE") { () throws(TableWriteError) in
            for index in rows.indices { try add(row: index, of: rows, to: &batch) }
            try runPending(of: rows, in: &batch)
        }
        return batch.rejections
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

    func readColumns() throws(TableWriteError) -> [(column: TableSchema.Column, declaration: String)] {
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
        return existing
    }

    func execute(_ sql: String) throws(TableWriteError) {
        do { try connection.execute(sql) } catch { throw .database(error) }
    }

    func executeForRow(_ sql: String) throws(TableWriteError) -> String? {
        do {
            try connection.execute(sql)
            return nil
        } catch  where error.rejectsRow || error.primaryCode == SQLITE_ERROR {
            // "too many columns", say: this row cannot be stored, the others still can.
            return error.message
        } catch {
            throw .database(error)
        }
    }

    func executeKeyIndex(_ sql: String) throws(TableWriteError) {
        do { try connection.execute(sql) } catch { throw .keyIndex(error) }
    }

    func rollback() {
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
    }

    private func prepare(_ sql: String) throws(TableWriteError) -> SQLiteStatement {
        do { return try connection.prepare(sql) } catch { throw .database(error) }
    }

    private func step(_ statement: SQLiteStatement) throws(TableWriteError) -> Bool {
        do { return try statement.step() } catch { throw .database(error) }
    }
}
