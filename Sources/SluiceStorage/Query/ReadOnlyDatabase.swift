import SluiceCore

/// A database that `runner query` and the `sql` source read: a SQLite file or a PostgreSQL server.
public enum QueryDatabase: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite database file, opened read-only.
    case sqlite(path: String)
    /// A PostgreSQL server and database: `postgres://user:password@host:port/database`.
    case postgres(url: String)

    /// The database for messages: the path, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "'\(path)'"
        case .postgres(let url): return "'\(PostgresURL.redacted(url))'"
        }
    }
}

/// Runs read-only statements against a `QueryDatabase`, with a row limit and a timeout; the connection
/// (PostgreSQL) stays open between statements. `SQLiteReadOnlyQuery` and `PostgresReadOnlySession` say how
/// each database enforces read-only.
public final class ReadOnlyQuerier {
    /// The database read.
    public let database: QueryDatabase
    private let backend: Backend

    private enum Backend {
        case sqlite(path: String, timeoutSeconds: Double?)
        case postgres(PostgresReadOnlySession)
    }

    /// A querier whose statements are interrupted after `timeoutSeconds` (never when `nil`).
    public init(_ database: QueryDatabase, timeoutSeconds: Double?) {
        self.database = database
        switch database {
        case .sqlite(let path): backend = .sqlite(path: path, timeoutSeconds: timeoutSeconds)
        case .postgres(let url): backend = .postgres(PostgresReadOnlySession(url: url, timeoutSeconds: timeoutSeconds))
        }
    }

    /// Runs `sql` with `parameters` bound by position (`$1`, …), returning at most `limit` rows (all when
    /// `nil`).
    public func run(_ sql: String, parameters: [Value] = [], limit: Int?) throws(QueryError) -> QueryResult {
        switch backend {
        case .sqlite(let path, let timeoutSeconds):
            return try SQLiteReadOnlyQuery.run(
                path: path, sql: sql, parameters: parameters, limit: limit, timeoutSeconds: timeoutSeconds)
        case .postgres(let session):
            return try session.run(sql, parameters: parameters, limit: limit)
        }
    }

    /// Closes what is open; the next statement opens it again.
    public func close() {
        if case .postgres(let session) = backend { session.close() }
    }
}
