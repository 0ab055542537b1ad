import SluiceCore

/// Where a PostgreSQL table writer writes: a server (a URL, usually from `${DATABASE_URL}`) and a table.
public struct PostgresTableTarget: Sendable, Equatable {
    /// `postgres://user:password@host:port/database` or a libpq key/value string.
    public var url: String
    public var table: TableTarget

    public init(url: String, table: TableTarget) {
        self.url = url
        self.table = table
    }
}

/// Writes batches of events as rows of one PostgreSQL table: one transaction per batch, `COPY` for the
/// rows, upserts through a staging table.
///
/// The connection opens at the first write and again after it was lost (`reconnects` counts how often).
/// Each batch runs in one transaction: the table's columns are read in it (when not known, or when a
/// field needs a new column), the table, its columns and the key's unique index are created as needed, and
/// each run of rows with one shape is copied in one `COPY … FROM STDIN`, straight into the table, or, with
/// a key, into a temporary staging table from which one `INSERT … SELECT … ON CONFLICT DO UPDATE` moves
/// them (measured faster than multi-row `INSERT … ON CONFLICT`: Benchmarks/README.md). A run PostgreSQL
/// refuses for its data (a value the column's type cannot hold, a constraint) is split in halves, each in a
/// savepoint, until the bad rows are alone: those are rejected, the others written.
///
/// A failure of the server or the connection throws after the transaction was rolled back (or died with
/// the connection), so the caller can write the same batch again.
public final class PostgresTableWriter: TableWriter {
    public let target: PostgresTableTarget
    private var session: PostgresTableSession?
    private var hasConnected = false
    public private(set) var reconnects = 0

    /// A writer for `target`; nothing is opened until the first write.
    public init(target: PostgresTableTarget) {
        self.target = target
    }

    public var destination: String {
        "table '\(target.table.table)' of '\(PostgresURL.redacted(target.url))'"
    }

    /// Writes `rows` in one transaction; returns the rows not stored and why.
    public func write(_ rows: [Event]) throws(TableWriteError) -> [RowRejection] {
        if let open = session, !open.isOpen { session = nil }
        let session: PostgresTableSession
        if let open = self.session {
            session = open
        } else {
            session = try PostgresTableSession(target: target)
            if hasConnected { reconnects += 1 }
            hasConnected = true
            self.session = session
        }
        return try session.write(rows)
    }

    /// Closes the connection; a later write opens it again.
    public func close() {
        session = nil
    }
}

/// PostgreSQL connection URLs for messages: the password left out.
public enum PostgresURL {
    /// `postgres://user@host:port/database` for any URL; a key/value string as it is, or `(a connection
    /// string)` when it holds a password.
    public static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.firstRange(of: "://"), scheme.upperBound < at else {
            return url.contains("password") ? "(a connection string)" : url
        }
        let credentials = url[scheme.upperBound..<at]
        let user = credentials.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return url[..<scheme.upperBound] + user + url[at...]
    }
}
