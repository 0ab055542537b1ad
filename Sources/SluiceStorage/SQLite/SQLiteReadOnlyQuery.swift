import CSQLite
import SluiceCore

/// Runs one SQL statement against a SQLite file without any way to change it, with a row limit and a timeout.
///
/// Read-only is enforced by the connection, never by reading the SQL:
/// - the file is opened `SQLITE_OPEN_READONLY`, and `PRAGMA query_only` is set;
/// - no database may be attached (`SQLITE_LIMIT_ATTACHED` is 0), which also stops `VACUUM INTO`, the one
///   statement that writes a file from a read-only connection;
/// - an authorizer allows only reads: `SELECT`, reading columns, functions (table-valued ones such as
///   `json_each` included), recursive CTEs, and pragmas that report (no argument, or one of the schema
///   pragmas such as `table_info(t)`). Anything else fails when it is prepared.
///
/// The timeout is a progress handler that interrupts the statement once the deadline has passed.
public enum SQLiteReadOnlyQuery {
    /// Pragmas that take an argument and only report: `PRAGMA table_info(site_stats)`.
    static let reportingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check",
    ]

    /// Runs `sql` on the database at `path` with `parameters` bound (`?`, `?1`, `$1`, … by position; objects
    /// and arrays as JSON text), returning at most `limit` rows (all when `nil`); interrupts it after
    /// `timeoutSeconds` (never when `nil`).
    public static func run(
        path: String, sql: String, parameters: [Value] = [], limit: Int?, timeoutSeconds: Double?
    ) throws(QueryError) -> QueryResult {
        let watch = QueryWatch(
            deadline: timeoutSeconds.map { SystemClock.monotonicNanoseconds() + UInt64(max(0, $0) * 1e9) })
        return try withExtendedLifetime(watch) { () throws(QueryError) -> QueryResult in
            let connection = try open(path, watch: watch)
            do throws(SQLiteError) {
                let statement = try connection.prepare(sql)
                var scratch = JSONWriter()
                for (index, value) in parameters.enumerated() {
                    // `any` stores every value.
                    guard let stored = ColumnType.any.storedValue(for: value) else { continue }
                    statement.bind(stored, at: Int32(index + 1), scratch: &scratch)
                }
                var rows: [[Value]] = []
                var isTruncated = false
                while try statement.step() {
                    if let limit, rows.count >= limit {
                        isTruncated = true
                        break
                    }
                    rows.append((0..<statement.columnCount).map(statement.value))
                }
                let columns = (0..<statement.columnCount).map(statement.columnName)
                return QueryResult(columns: columns, rows: rows, isTruncated: isTruncated)
            } catch {
                if let refused = watch.refused { throw .writeRefused(reason: refused) }
                if error.isInterrupted, let timeoutSeconds { throw .timedOut(seconds: timeoutSeconds) }
                if error.isWriteRefused { throw .writeRefused(reason: error.message) }
                if error.primaryCode == SQLITE_ERROR || error.primaryCode == SQLITE_MISUSE {
                    throw .invalid(reason: error.message)
                }
                throw .failed(reason: error.message)
            }
        }
    }

    /// Opens `path` read-only, with nothing attachable, the read-only authorizer and the timeout's
    /// progress handler installed; both report to `watch`.
    private static func open(_ path: String, watch: QueryWatch) throws(QueryError) -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path, mode: .readOnly)
            try connection.execute("PRAGMA query_only = 1")
        } catch {
            throw .cannotOpen(database: path, reason: error.message)
        }
        let context = Unmanaged.passUnretained(watch).toOpaque()
        sqlite3_limit(connection.handle, SQLITE_LIMIT_ATTACHED, 0)
        sqlite3_set_authorizer(
            connection.handle,
            { context, action, first, second, _, _ in
                guard let context else { return SQLITE_DENY }
                let watch = Unmanaged<QueryWatch>.fromOpaque(context).takeUnretainedValue()
                return watch.authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) })
            }, context)
        if watch.deadline != nil {
            // Called every 1,000 virtual-machine instructions; a non-zero answer interrupts the statement.
            sqlite3_progress_handler(
                connection.handle, 1_000,
                { context in
                    guard let context else { return 0 }
                    return Unmanaged<QueryWatch>.fromOpaque(context).takeUnretainedValue().hasPassedDeadline ? 1 : 0
                }, context)
        }
        return connection
    }

    /// What the connection's callbacks need and found: the deadline, and the first action refused.
    private final class QueryWatch {
        let deadline: UInt64?
        /// What the authorizer refused, in words: "INSERT into 'stats'".
        private(set) var refused: String?

        init(deadline: UInt64?) {
            self.deadline = deadline
        }

        var hasPassedDeadline: Bool {
            guard let deadline else { return false }
            return SystemClock.monotonicNanoseconds() >= deadline
        }

        /// Allows reads only; remembers the first action refused.
        func authorize(_ action: Int32, _ first: String?, _ second: String?) -> Int32 {
            switch action {
            case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
                return SQLITE_OK
            case SQLITE_PRAGMA where second == nil || reportingPragmas.contains(first?.lowercased() ?? ""):
                // Without an argument a pragma reports its setting; with one it may change it.
                return SQLITE_OK
            case SQLITE_UPDATE where first == "sqlite_master":
                // SQLite asks this when it sets up a table-valued function (json_each, pragma_table_info).
                // A real UPDATE of sqlite_master is refused by SQLite itself (writable_schema is a pragma
                // write, refused here), and the file is open read-only.
                return SQLITE_OK
            default:
                if refused == nil { refused = Self.describe(action, first, second) }
                return SQLITE_DENY
            }
        }

        private static func describe(_ action: Int32, _ first: String?, _ second: String?) -> String {
            let name = first.map { " '\($0)'" } ?? ""
            switch action {
            case SQLITE_INSERT: return "INSERT into" + name
            case SQLITE_UPDATE: return "UPDATE of" + name
            case SQLITE_DELETE: return "DELETE from" + name
            case SQLITE_PRAGMA: return "PRAGMA \(first ?? "") = \(second ?? "")"
            case SQLITE_ATTACH, SQLITE_DETACH: return "ATTACH or DETACH"
            case SQLITE_TRANSACTION, SQLITE_SAVEPOINT: return "a transaction"
            default: return "a statement that changes the database (SQLite action \(action))"
            }
        }
    }
}
