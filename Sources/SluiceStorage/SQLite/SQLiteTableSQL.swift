/// The SQL text the table writer runs against SQLite. Every name is quoted by `SQLIdentifier`.
enum SQLiteTableSQL {
    /// The declared SQLite type of a column of `type`.
    ///
    /// `json` is declared `JSON TEXT` so the column has TEXT affinity: SQLite then keeps the JSON text of
    /// a number (`5`) as text instead of converting it. `any` has no declared type (BLOB affinity).
    static func declaration(of type: ColumnType) -> String {
        switch type {
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text: return "TEXT"
        case .boolean: return "BOOLEAN"
        case .json: return "JSON TEXT"
        case .any: return ""
        }
    }

    /// The column type of an existing column declared as `declaration` (SQLite's affinity rules, plus
    /// BOOLEAN and JSON, which this writer declares itself).
    static func columnType(declaredAs declaration: String) -> ColumnType {
        let upper = declaration.uppercased()
        if upper.contains("JSON") { return .json }
        if upper.contains("BOOL") { return .boolean }
        if upper.contains("INT") { return .integer }
        if ["CHAR", "CLOB", "TEXT"].contains(where: upper.contains) { return .text }
        if ["REAL", "FLOA", "DOUB"].contains(where: upper.contains) { return .real }
        return .any
    }

    /// The columns of a table, one row each: name, declared type. No rows when the table does not exist.
    static let tableInfo = "SELECT name, type FROM pragma_table_info(?)"

    /// `INSERT` of `rows` rows of `columns`, one `?` per value in order; with a key, an upsert that updates
    /// the other columns. Rows are upserted in order, so a later row with the key of an earlier one updates it.
    static func insert(
        into table: SQLIdentifier, columns: [SQLIdentifier], key: [SQLIdentifier], rows: Int = 1
    ) -> String {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var sql =
            "INSERT INTO \(table.quoted) (" + columns.map(\.quoted).joined(separator: ", ") + ") VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", ")
        guard !key.isEmpty else { return sql }
        let keyNames = Set(key.map(\.foldedName))
        let updated = columns.filter { !keyNames.contains($0.foldedName) }
        sql += " ON CONFLICT (" + key.map(\.quoted).joined(separator: ", ") + ") "
        sql +=
            updated.isEmpty
            ? "DO NOTHING"
            : "DO UPDATE SET " + updated.map { "\($0.quoted) = excluded.\($0.quoted)" }.joined(separator: ", ")
        return sql
    }
}
