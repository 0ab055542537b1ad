/// The SQL text the PostgreSQL table writer runs. Every name is quoted by `SQLIdentifier`.
enum PostgresTableSQL {
    /// The PostgreSQL type of a new column of `type`.
    static func declaration(of type: ColumnType) -> String {
        switch type {
        case .integer: return "bigint"
        case .real: return "double precision"
        case .text, .any: return "text"
        case .boolean: return "boolean"
        case .json: return "jsonb"
        }
    }

    /// The column type of an existing column whose type PostgreSQL prints (`format_type`) as `declaration`.
    /// Types with no counterpart (`timestamp`, `uuid`, ...) are `any`: values are sent as text and
    /// PostgreSQL parses them, rejecting what does not fit.
    static func columnType(declaredAs declaration: String) -> ColumnType {
        switch declaration {
        case "smallint", "integer", "bigint": return .integer
        case "real", "double precision": return .real
        case "text", "character varying", "character": return .text
        case "boolean": return .boolean
        case "json", "jsonb": return .json
        default:
            if declaration.hasPrefix("numeric") { return .real }
            if declaration.hasPrefix("character varying(") || declaration.hasPrefix("character(") { return .text }
            return .any
        }
    }

    /// The columns of the table named by parameter `$1` (its quoted name), one row each: name, type. No rows
    /// when the table does not exist.
    static let tableInfo = """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
        """

    /// `COPY` of `columns` into `table`, in COPY's text format.
    static func copy(into table: SQLIdentifier, columns: [SQLIdentifier]) -> String {
        "COPY \(table.quoted) (" + columns.map(\.quoted).joined(separator: ", ") + ") FROM STDIN"
    }

    /// A temporary table with the types of `columns` of `table`, plus `order` (the row's place in its batch):
    /// an upsert copies its rows here first.
    static func createStagingTable(
        _ staging: SQLIdentifier, like table: SQLIdentifier, columns: [SQLIdentifier], order: SQLIdentifier
    ) -> String {
        "CREATE TEMP TABLE \(staging.quoted) AS SELECT " + columns.map(\.quoted).joined(separator: ", ")
            + ", 0::bigint AS \(order.quoted) FROM \(table.quoted) WITH NO DATA"
    }

    /// Moves the staged rows into `table`, the last row per key winning, updating the non-key columns of
    /// rows whose key exists. One statement, so `DISTINCT ON` keeps it from touching a row twice.
    static func upsert(
        from staging: SQLIdentifier, into table: SQLIdentifier, columns: [SQLIdentifier], key: [SQLIdentifier],
        order: SQLIdentifier
    ) -> String {
        let names = columns.map(\.quoted).joined(separator: ", ")
        let keyNames = key.map(\.quoted).joined(separator: ", ")
        let keySet = Set(key.map(\.name))
        let updated = columns.filter { !keySet.contains($0.name) }
        let action =
            updated.isEmpty
            ? "DO NOTHING"
            : "DO UPDATE SET " + updated.map { "\($0.quoted) = EXCLUDED.\($0.quoted)" }.joined(separator: ", ")
        return "WITH staged AS (DELETE FROM \(staging.quoted) RETURNING *) INSERT INTO \(table.quoted) (\(names)) "
            + "SELECT DISTINCT ON (\(keyNames)) \(names) FROM staged ORDER BY \(keyNames), \(order.quoted) DESC "
            + "ON CONFLICT (\(keyNames)) \(action)"
    }
}
