import CSQLite

/// One open SQLite database connection, used by one thread at a time.
///
/// Opened read-write (creating the file) for sinks, or read-only for queries. Statements are prepared
/// from it; it is closed when the last reference goes away (statements keep it alive).
public final class SQLiteConnection {
    /// How the file is opened.
    public enum Mode: Sendable {
        /// Read and write, creating the file when it does not exist.
        case readWriteCreate
        /// Read only; the file must exist. Writes fail with `SQLITE_READONLY`.
        case readOnly
    }

    /// The database file.
    public let path: String
    let handle: OpaquePointer

    /// Opens `path`. SQLite creates the file but not its folder.
    public init(path: String, mode: Mode) throws(SQLiteError) {
        self.path = path
        // NOMUTEX: the engine hands a stage to one worker at a time, so SQLite's own locks are not needed.
        // EXRESCODE: errors carry extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_READONLY_DIRECTORY, ...).
        let access = mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var opened: OpaquePointer?
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard let opened else {
            throw SQLiteError(code: status, message: String(cString: sqlite3_errstr(status)), path: path)
        }
        handle = opened
        guard status == SQLITE_OK else {
            let error = SQLiteConnection.error(status, handle: opened, path: path)
            sqlite3_close_v2(opened)
            throw error
        }
    }

    deinit {
        // close_v2 defers the close until the last statement is finalized.
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows (`BEGIN`, `CREATE TABLE ...`, `PRAGMA x = y`).
    public func execute(_ sql: String) throws(SQLiteError) {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status) }
    }

    /// Prepares the first statement of `sql`.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    public func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// True while a transaction is open (between `BEGIN` and `COMMIT` or `ROLLBACK`).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The connection's last error, for a failed call that returned `status`.
    func error(_ status: Int32) -> SQLiteError {
        Self.error(status, handle: handle, path: path)
    }

    private static func error(_ status: Int32, handle: OpaquePointer, path: String) -> SQLiteError {
        // The extended code of the last error; `status` alone may be the primary code.
        let extended = sqlite3_extended_errcode(handle)
        let code = extended & 0xFF == status & 0xFF ? extended : status
        return SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), path: path)
    }
}
