import SluiceCore

/// A row that a table writer did not store, and why; the other rows of its batch were still written.
public struct RowRejection: Sendable, Equatable {
    /// Why a row was not stored; each is a drop reason of its own.
    public enum Reason: String, Sendable, CaseIterable {
        /// A value does not fit its column's type (`ColumnType.storedValue(for:)`).
        case wrongType = "wrong_type"
        /// A key field is missing or null, so the row cannot be upserted.
        case missingKey = "missing_key"
        /// A field name cannot be a column name (empty, a NUL), or two fields name the same column.
        case invalidColumn = "invalid_column"
        /// The database refused the row (a constraint of an existing table, too many columns, ...).
        case rejectedByDatabase = "rejected_by_database"

        /// The drop reason the engine counts the row under.
        public var dropReason: DropReason { DropReason(rawValue: rawValue) }
    }

    /// The row's position in the batch given to `write`.
    public var row: Int
    public var reason: Reason
    /// What was wrong, for the log: "column 'total' is real; found a string".
    public var message: String

    public init(row: Int, reason: Reason, message: String) {
        self.row = row
        self.reason = reason
        self.message = message
    }
}

/// An error a database reported, whatever the database: what a table writer needs to know to decide
/// whether to try again.
public protocol DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The database's message, without the database's name or address.
    var message: String { get }
    /// True when the same work may succeed later: a lock, a full disk, a server that is restarting or
    /// out of reach.
    var isTransient: Bool { get }
}

/// Why a table writer could not write a batch at all; nothing of the batch was stored. The description
/// leaves out the database's path or address, which the caller knows.
public enum TableWriteError: Error, Sendable, CustomStringConvertible {
    /// The database failed: locked, full, read-only, corrupt, out of reach, ...
    case database(any DatabaseError)
    /// `columns` declares a type the existing table's column contradicts.
    case columnTypeConflict(table: String, column: String, existing: String, declared: ColumnType)
    /// The unique index an upsert needs could not be created (existing rows repeat a key, say).
    case keyIndex(any DatabaseError)

    /// True when the same batch may succeed later (another writer holds the lock, the disk is full, the
    /// server restarts).
    public var isTransient: Bool {
        switch self {
        case .database(let error), .keyIndex(let error): return error.isTransient
        case .columnTypeConflict: return false
        }
    }

    public var description: String {
        switch self {
        case .database(let error):
            return error.message
        case .columnTypeConflict(let table, let column, let existing, let declared):
            return
                "column '\(column)' of table '\(table)' is declared \(existing.isEmpty ? "without a type" : existing) "
                + "in the database, but 'columns' says \(declared.rawValue)"
        case .keyIndex(let error):
            return "cannot create the unique index for 'key': \(error.message)"
        }
    }
}

/// Writes batches of events as rows of one table: one transaction per batch; the rows that cannot be
/// stored are returned with their reasons. A failure of the database throws after rolling the whole
/// batch back, so the caller can retry the same batch.
public protocol TableWriter: AnyObject {
    /// The table and the database, for messages: "table 'stats' of 'out/analytics.db'".
    var destination: String { get }
    /// How many times the writer connected again after losing its connection (PostgreSQL); it never
    /// goes down.
    var reconnects: Int { get }
    /// Writes `rows` in one transaction; returns the rows not stored and why.
    func write(_ rows: [Event]) throws(TableWriteError) -> [RowRejection]
    /// Closes the connection; a later write opens it again.
    func close()
}
