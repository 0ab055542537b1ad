import CSQLite

/// An error reported by SQLite: its extended result code and message, and what the connection was doing.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite's extended result code (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_CONSTRAINT_NOTNULL`, ...).
    public let code: Int32
    /// SQLite's message: "database is locked", "no such table: x", ...
    public let message: String
    /// The database file.
    public let path: String

    public init(code: Int32, message: String, path: String) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, ...).
    public var primaryCode: Int32 { code & 0xFF }

    /// True when waiting may help: another connection holds the lock, or the disk is full.
    public var isTransient: Bool {
        [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL].contains(primaryCode)
    }

    /// True when the problem lies with one row (a constraint, a value too big), not with the database:
    /// the row is rejected and the others are still written.
    public var rejectsRow: Bool {
        [SQLITE_CONSTRAINT, SQLITE_TOOBIG, SQLITE_MISMATCH, SQLITE_RANGE].contains(primaryCode)
    }

    /// True when the statement was refused because the connection may only read.
    public var isWriteRefused: Bool {
        [SQLITE_READONLY, SQLITE_AUTH].contains(primaryCode)
    }

    /// True when a progress handler stopped the statement (a query's timeout).
    public var isInterrupted: Bool { primaryCode == SQLITE_INTERRUPT }

    public var description: String { "'\(path)': \(message)" }
}
