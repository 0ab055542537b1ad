/// A table that a sink writes, as the runner's API lists and queries it.
public struct StoredTable: Sendable, Hashable {
    /// The SQLite file holding the table.
    public var databasePath: String
    /// The table's name, unquoted.
    public var table: String

    public init(databasePath: String, table: String) {
        self.databasePath = databasePath
        self.table = table
    }
}

/// A stage configuration whose stage writes rows into a table that can be queried (the `sqlite` sink).
public protocol StoresTable {
    /// Where the stage writes.
    var storedTable: StoredTable { get }
}
