/// The statements that shape a table, spelled for one database; every name is quoted by `SQLIdentifier`.
struct TableDDL {
    let dialect: SQLDialect

    /// The declared type of a new column of `type` (empty: none).
    func declaration(of type: ColumnType) -> String {
        switch dialect.database {
        case .sqlite: return SQLiteTableSQL.declaration(of: type)
        case .postgres: return PostgresTableSQL.declaration(of: type)
        }
    }

    func createTable(_ table: SQLIdentifier, columns: [TableSchema.Column]) -> String {
        "CREATE TABLE IF NOT EXISTS \(table.quoted) (" + columns.map(definition).joined(separator: ", ") + ")"
    }

    /// Adds `column`; in PostgreSQL only if it does not exist (SQLite has no `IF NOT EXISTS` here, and its
    /// write lock keeps other writers from adding it meanwhile).
    func addColumn(_ column: TableSchema.Column, to table: SQLIdentifier) -> String {
        let guarded = dialect.database == .postgres ? "IF NOT EXISTS " : ""
        return "ALTER TABLE \(table.quoted) ADD COLUMN \(guarded)\(definition(column))"
    }

    /// The unique index an upsert's `ON CONFLICT` needs. Its name holds the key columns, so a changed key
    /// gets an index of its own rather than silently reusing the old one; a name over PostgreSQL's 63 bytes
    /// is cut and given a hash of the whole, so it stays distinct.
    func createKeyIndex(on table: SQLIdentifier, key: [SQLIdentifier]) -> String {
        var name = table.name + "_key(" + key.map(\.name).joined(separator: ",") + ")"
        if dialect.database == .postgres && name.utf8.count > SQLDialect.postgresNameBytes {
            var hash: UInt32 = 2_166_136_261
            for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            let suffix = "_" + String(hash, radix: 16)
            var prefix = Substring(name)
            while prefix.utf8.count + suffix.utf8.count > SQLDialect.postgresNameBytes { prefix = prefix.dropLast() }
            name = prefix + suffix
        }
        let quotedName = "\"" + name.replacing("\"", with: "\"\"") + "\""
        return "CREATE UNIQUE INDEX IF NOT EXISTS \(quotedName) ON \(table.quoted) ("
            + key.map(\.quoted).joined(separator: ", ") + ")"
    }

    private func definition(_ column: TableSchema.Column) -> String {
        let type = declaration(of: column.type)
        return type.isEmpty ? column.name.quoted : column.name.quoted + " " + type
    }
}
