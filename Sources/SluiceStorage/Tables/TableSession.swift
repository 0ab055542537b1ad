import SluiceCore

/// A database's open table session as the database-neutral table code drives it: the session runs SQL
/// and reads the table's columns; `TableRowMapper` keeps what is known of the table; this extension holds
/// the steps every database takes the same way (the batch's transaction, reading the table, adding
/// columns, the key's unique index).
protocol TableSession: AnyObject {
    /// What the database prepares for a row shape (statements, a staging table).
    associatedtype Prepared

    /// Which fields go to which columns, and what is known of the table.
    var mapper: TableRowMapper<Prepared> { get }

    /// Runs `sql`, which returns no rows.
    func execute(_ sql: String) throws(TableWriteError)

    /// Runs `sql`, which adds columns for one row; returns why the database refused for that row's sake
    /// (too many columns, say), the other rows staying storable, or `nil` when it ran.
    func executeForRow(_ sql: String) throws(TableWriteError) -> String?

    /// Runs `sql`, which creates the key's unique index; throws `.keyIndex` when it fails.
    func executeKeyIndex(_ sql: String) throws(TableWriteError)

    /// The table's columns with their types as the database declares them; empty when there is no table.
    func readColumns() throws(TableWriteError) -> [(column: TableSchema.Column, declaration: String)]

    /// Ends the open transaction, if any, after an error.
    func rollback()
}

extension TableSession {
    private var table: SQLIdentifier { mapper.target.table }
    private var ddl: TableDDL { TableDDL(dialect: mapper.dialect) }

    /// Runs `body` in one transaction opened by `begin`, reading the table first unless an earlier batch
    /// did. After an error the transaction is rolled back and the table is read again next time: what was
    /// learnt inside the transaction (new columns, the table itself) may be undone.
    func transaction(begin: String, _ body: () throws(TableWriteError) -> Void) throws(TableWriteError) {
        do {
            try execute(begin)
            mapper.beginTransaction()
            if !mapper.isKnown { try readTable() }
            try body()
            try execute("COMMIT")
        } catch {
            rollback()
            mapper.forgetTable()
            throw error
        }
    }

    /// The shape of `rows[index]`, adding the columns its new fields need; `nil`, and a rejection appended,
    /// when the row cannot be stored (`TableRowMapper.resolveShape`).
    func shape(
        of rows: [Event], at index: Int, rejections: inout [RowRejection]
    ) throws(TableWriteError) -> RowShape<Prepared>? {
        try mapper.resolveShape(
            of: rows, at: index, rejections: &rejections,
            readTable: { () throws(TableWriteError) in try readTable() },
            addColumns: { columns throws(TableWriteError) in try addColumns(columns) })
    }

    /// Reads the table's columns; with declared `columns`, creates the table or adds the missing ones.
    private func readTable() throws(TableWriteError) {
        try mapper.adopt(
            existing: try readColumns(),
            create: { columns throws(TableWriteError) in try execute(ddl.createTable(table, columns: columns)) },
            add: { column throws(TableWriteError) in try execute(ddl.addColumn(column, to: table)) })
        try createKeyIndexIfReady()
    }

    /// Creates the table, or adds columns to it; a message when the database refuses for the row's sake.
    private func addColumns(_ columns: [TableSchema.Column]) throws(TableWriteError) -> String? {
        // A new table gets all of the row's columns at once; an existing one a column at a time.
        let statements =
            mapper.schema != nil
            ? columns.map { (ddl.addColumn($0, to: table), [$0]) }
            : [(ddl.createTable(table, columns: columns), columns)]
        for (sql, added) in statements {
            if let refusal = try executeForRow(sql) { return "cannot add its columns to the table: \(refusal)" }
            mapper.added(added)
        }
        try createKeyIndexIfReady()
        return nil
    }

    private func createKeyIndexIfReady() throws(TableWriteError) {
        guard mapper.needsKeyIndex else { return }
        try executeKeyIndex(ddl.createKeyIndex(on: table, key: mapper.target.key))
        mapper.keyIndexCreated()
    }
}
