import SluiceCore

/// Where a table writer writes: a table of a SQLite file, its upsert key and, optionally, its columns.
public struct SQLiteTableTarget: Sendable, Equatable {
    /// The database file; its folder must exist.
    public var path: String
    public var table: SQLIdentifier
    /// The columns whose values identify a row: a row with the key of an existing row replaces that row's
    /// values. Empty: every row is inserted.
    public var key: [SQLIdentifier]
    /// The declared columns; only these fields are stored. `nil`: the table is created from the first rows
    /// and every new field adds a column.
    public var columns: [TableSchema.Column]?

    public init(path: String, table: SQLIdentifier, key: [SQLIdentifier] = [], columns: [TableSchema.Column]? = nil) {
        self.path = path
        self.table = table
        self.key = key
        self.columns = columns
    }
}

/// Writes batches of events as rows of one SQLite table: one transaction per batch, one prepared
/// statement per row shape, upserts on the key.
///
/// The connection is opened at the first write, in WAL mode with `synchronous = NORMAL` (a committed
/// batch survives a crash of the process; readers never block the writer). Each batch runs in one
/// `BEGIN IMMEDIATE` transaction, which takes the write lock first so that no other writer can change the
/// table under it. Inside it the writer reads the table's columns (when it has not yet, or when a field
/// needs a new column), creates the table, adds columns and creates the key's unique index as needed.
///
/// A row that cannot be stored (a wrong-typed value, a missing key, a bad field name, a constraint) is
/// rejected and reported; the batch's other rows are written. A failure of the database itself throws
/// `TableWriteError` after rolling the whole batch back, so the caller can retry the same batch.
public final class SQLiteTableWriter {
    public let target: SQLiteTableTarget
    private let busyTimeoutMilliseconds: Int32
    private var session: SQLiteTableSession?

    /// A writer for `target`; nothing is opened until the first write. A write waits up to
    /// `busyTimeoutMilliseconds` for another connection's lock before it fails as transient.
    public init(target: SQLiteTableTarget, busyTimeoutMilliseconds: Int32 = 1_000) {
        self.target = target
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }

    /// Writes `rows` in one transaction; returns the rows not stored and why.
    public func write(_ rows: [Event]) throws(TableWriteError) -> [RowRejection] {
        let session: SQLiteTableSession
        if let open = self.session {
            session = open
        } else {
            session = try SQLiteTableSession(target: target, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            self.session = session
        }
        return try session.write(rows)
    }

    /// Closes the connection; a later write opens it again.
    public func close() {
        session = nil
    }
}
