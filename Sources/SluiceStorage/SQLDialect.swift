/// How a database spells and compares names: what the database-neutral table code (`TableSchema`,
/// `TableRowMapper`) and the sinks' option readers must know about the database they work for.
public struct SQLDialect: Sendable, Hashable {
    /// The databases Sluice reads and writes.
    public enum Database: String, Sendable, Hashable {
        case sqlite
        case postgres
    }

    public let database: Database

    /// SQLite: names compare ignoring ASCII case; table names starting with `sqlite_` are reserved.
    public static let sqlite = SQLDialect(database: .sqlite)
    /// PostgreSQL: quoted names compare exactly and hold at most 63 bytes (longer ones would be cut).
    public static let postgres = SQLDialect(database: .postgres)

    /// The longest name PostgreSQL keeps whole (`NAMEDATALEN - 1`); it silently truncates longer ones.
    static let postgresNameBytes = 63

    /// The key two names are compared by: equal keys name the same column.
    public func nameKey(_ name: String) -> String {
        database == .sqlite ? SQLIdentifier.fold(name) : name
    }

    /// Validates `name` as a column or index name of this database.
    public func column(_ name: String) throws(SQLIdentifier.Problem) -> SQLIdentifier {
        let identifier = try SQLIdentifier(name)
        if database == .postgres && name.utf8.count > Self.postgresNameBytes {
            throw .tooLong(limit: Self.postgresNameBytes)
        }
        return identifier
    }

    /// Validates `name` as a table name of this database.
    public func table(_ name: String) throws(SQLIdentifier.Problem) -> SQLIdentifier {
        let identifier = try column(name)
        if database == .sqlite && nameKey(name).hasPrefix("sqlite_") { throw .reserved }
        return identifier
    }
}
