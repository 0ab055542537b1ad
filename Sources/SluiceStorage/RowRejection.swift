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

/// Why a table writer could not write a batch at all; nothing of the batch was stored. The description
/// leaves out the database's path, which the caller knows.
public enum TableWriteError: Error, Sendable, CustomStringConvertible {
    /// The database failed: locked, full, read-only, corrupt, not a database, ...
    case database(SQLiteError)
    /// `columns` declares a type the existing table's column contradicts.
    case columnTypeConflict(table: String, column: String, existing: String, declared: ColumnType)
    /// The unique index an upsert needs could not be created (existing rows repeat a key, say).
    case keyIndex(SQLiteError)

    /// True when the same batch may succeed later (another writer holds the lock, the disk is full).
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
