import SluiceCore

/// The open connection of a `PostgresTableWriter` and what it knows of the table between batches.
final class PostgresTableSession: TableSession {
    let target: PostgresTableTarget
    private let connection: PostgresConnection
    /// Which fields go to which columns; its schema is `nil` until read inside a transaction.
    let mapper: TableRowMapper<Staging>
    private var copyText = PostgresCopyText()
    private var stagingTables = 0

    /// The most columns a PostgreSQL table can have.
    static let columnLimit = 1_600

    /// What a shape needs for an upsert: its temporary staging table and the name of its row-order column.
    struct Staging {
        let table: SQLIdentifier
        let order: SQLIdentifier
    }

    /// Connects; throws when the server cannot be reached or refuses the connection.
    init(target: PostgresTableTarget) throws(TableWriteError) {
        self.target = target
        do {
            connection = try PostgresConnection(url: target.url)
        } catch {
            throw .database(error)
        }
        mapper = TableRowMapper(target: target.table, dialect: .postgres, columnLimit: Self.columnLimit)
    }

    var isOpen: Bool { connection.isOpen }

    private var table: SQLIdentifier { target.table.table }
    private var key: [SQLIdentifier] { target.table.key }

    /// Writes `rows` in one transaction; returns the rows not stored and why.
    func write(_ rows: [Event]) throws(TableWriteError) -> [RowRejection] {
        var batch = BatchState()
        try transaction(begin: "BEGIN") { () throws(TableWriteError) in
            for index in rows.indices { try add(row: index, of: rows, to: &batch) }
            try writeRun(of: rows, in: &batch)
        }
        return batch.rejections
    }

    // MARK: Rows

    /// The progress of one batch: the run of rows of one shape encoded but not copied yet, and the rows
    /// rejected so far.
    private struct BatchState {
        var shape: RowShape<Staging>?
        /// Per row of the run: its index in the batch and its bytes in `copyText`.
        var run: [(row: Int, bytes: Range<Int>)] = []
        var rejections: [RowRejection] = []
    }

    /// Checks row `index` and encodes it into the current run; a new shape first writes the run so far.
    private func add(row index: Int, of rows: [Event], to batch: inout BatchState) throws(TableWriteError) {
        let event = rows[index]
        guard let shape = try shape(of: rows, at: index, rejections: &batch.rejections) else { return }
        if batch.shape !== shape {
            try writeRun(of: rows, in: &batch)
            batch.shape = shape
        }
        if let problem = shape.keyProblem(of: event) {
            batch.rejections.append(RowRejection(row: index, reason: .missingKey, message: problem))
            return
        }
        let start = copyText.count
        let rejection = try shape.storedValues(of: event, row: index) { stored in copyText.append(stored) }
        if let rejection {
            copyText.truncate(to: start)
            batch.rejections.append(rejection)
            return
        }
        if !key.isEmpty { copyText.append(.integer(Int64(index))) }
        copyText.endRow()
        batch.run.append((index, start..<copyText.count))
    }

    /// Copies the current run into the table, splitting it to find the rows PostgreSQL refuses.
    private func writeRun(of rows: [Event], in batch: inout BatchState) throws(TableWriteError) {
        defer {
            batch.run.removeAll(keepingCapacity: true)
            copyText.removeAll()
        }
        guard let shape = batch.shape, !batch.run.isEmpty else { return }
        let staging = key.isEmpty ? nil : try staging(for: shape)
        var pending = [batch.run[...]]
        while let part = pending.popLast() {
            let data = part.count == batch.run.count ? copyText.bytes : copyText.rows(part.map(\.bytes))
            do {
                try execute("SAVEPOINT sluice_rows")
                try copy(data, shape: shape, staging: staging)
                try execute("RELEASE SAVEPOINT sluice_rows")
            } catch .database(let error as PostgresError) where error.rejectsRows {
                try execute("ROLLBACK TO SAVEPOINT sluice_rows; RELEASE SAVEPOINT sluice_rows")
                guard part.count > 1 else {
                    batch.rejections.append(
                        RowRejection(
                            row: part[part.startIndex].row, reason: .rejectedByDatabase, message: error.message))
                    continue
                }
                let middle = part.startIndex + part.count / 2
                // Second half pushed first: the first half is written first, keeping the rows' order.
                pending.append(part[middle...])
                pending.append(part[..<middle])
            }
        }
    }

    private func copy(_ data: [UInt8], shape: RowShape<Staging>, staging: Staging?) throws(TableWriteError) {
        do {
            if let staging {
                try connection.copyIn(
                    PostgresTableSQL.copy(into: staging.table, columns: shape.columns + [staging.order]), data: data)
                try connection.execute(
                    PostgresTableSQL.upsert(
                        from: staging.table, into: table, columns: shape.columns, key: key, order: staging.order))
            } else {
                try connection.copyIn(PostgresTableSQL.copy(into: table, columns: shape.columns), data: data)
            }
        } catch {
            throw .database(error)
        }
    }

    /// The shape's staging table, created on first use (a temporary table lives as long as the connection).
    private func staging(for shape: RowShape<Staging>) throws(TableWriteError) -> Staging {
        if let staging = shape.prepared { return staging }
        stagingTables += 1
        var orderName = "sluice_row"
        while shape.columns.contains(where: { $0.name == orderName }) { orderName += "_" }
        // Plain ASCII names: validation cannot fail.
        guard let name = try? SQLIdentifier("sluice_staging_\(stagingTables)"),
            let order = try? SQLIdentifier(orderName)
        else { preconditionFailure("invalid staging table name") }
        try execute(PostgresTableSQL.createStagingTable(name, like: table, columns: shape.columns, order: order))
        let staging = Staging(table: name, order: order)
        shape.prepared = staging
        return staging
    }

    // MARK: Schema

    func readColumns() throws(TableWriteError) -> [(column: TableSchema.Column, declaration: String)] {
        let info: PostgresResult
        do {
            info = try connection.execute(PostgresTableSQL.tableInfo, parameters: [table.quoted])
        } catch {
            throw .database(error)
        }
        var existing: [(column: TableSchema.Column, declaration: String)] = []
        for row in 0..<info.rowCount {
            guard let name = info.text(row: row, column: 0), let identifier = try? SQLIdentifier(name) else { continue }
            let declaration = info.text(row: row, column: 1) ?? ""
            let type = PostgresTableSQL.columnType(declaredAs: declaration)
            existing.append((TableSchema.Column(name: identifier, type: type), declaration))
        }
        return existing
    }

    func execute(_ sql: String) throws(TableWriteError) {
        do { try connection.execute(sql) } catch { throw .database(error) }
    }

    /// PostgreSQL's refusals to add a column (1,600 columns at most) are checked before it is asked, so
    /// every error here is the connection's or the server's.
    func executeForRow(_ sql: String) throws(TableWriteError) -> String? {
        try execute(sql)
        return nil
    }

    func executeKeyIndex(_ sql: String) throws(TableWriteError) {
        do { try connection.execute(sql) } catch { throw .keyIndex(error) }
    }

    func rollback() {
        if connection.isOpen && connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
    }
}
