import SluiceCore

/// A PostgreSQL connection that can only read: runs one SQL statement at a time with a row limit and a
/// timeout, for `runner query --url` and the `sql` source.
///
/// Read-only is enforced by the server, never by reading the SQL:
/// - the session starts with `default_transaction_read_only = on`, so every transaction it opens is read
///   only, and each statement runs inside an explicit `BEGIN TRANSACTION READ ONLY` … `ROLLBACK`, so even
///   a statement that ends a transaction changes nothing;
/// - a statement is sent with the extended protocol, which takes exactly one statement: `SELECT 1; DELETE
///   FROM t` is refused before anything runs;
/// - `statement_timeout` is set for the session, so the server cancels a statement that runs too long.
///
/// A read-only transaction still allows what PostgreSQL counts as reading (`SELECT`, `SHOW`, `EXPLAIN`)
/// and functions with effects outside the database when the role may call them (a superuser's
/// `COPY … TO PROGRAM`): give untrusted users a role that may only read.
///
/// Values come back typed (`PostgresValues`): the session runs with `TimeZone = UTC`, `DateStyle = ISO`.
/// The connection opens on the first query and again after it was lost.
public final class PostgresReadOnlySession {
    /// The server and database.
    public let url: String
    private let timeoutSeconds: Double?
    private var connection: PostgresConnection?
    private var values = PostgresValues()

    /// A session for `url`, whose statements are cancelled after `timeoutSeconds` (never when `nil`).
    public init(url: String, timeoutSeconds: Double?) {
        self.url = url
        self.timeoutSeconds = timeoutSeconds
    }

    /// Runs `sql` with `parameters` (`$1`, `$2`, …; sent as text, PostgreSQL infers their types), returning
    /// at most `limit` rows (all when `nil`).
    public func run(_ sql: String, parameters: [Value] = [], limit: Int?) throws(QueryError) -> QueryResult {
        let connection = try open()
        var rows: [[Value]] = []
        var isTruncated = false
        let texts = parameters.map(Self.parameterText)
        do {
            try connection.execute("BEGIN TRANSACTION READ ONLY")
            defer { if connection.isOpen { _ = try? connection.execute("ROLLBACK") } }
            let (columns, _) = try connection.stream(sql, parameters: texts) { result in
                if let limit, rows.count >= limit {
                    isTruncated = true
                    return false
                }
                rows.append((0..<result.columnCount).map { result.value(row: 0, column: $0, values: &values) })
                return true
            }
            return QueryResult(columns: columns, rows: rows, isTruncated: isTruncated)
        } catch {
            if !connection.isOpen { self.connection = nil }
            throw queryError(error)
        }
    }

    /// Closes the connection; the next query opens it again.
    public func close() {
        connection = nil
    }

    private func open() throws(QueryError) -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        connection = nil
        let milliseconds = timeoutSeconds.map { max(1, Int(($0 * 1_000).rounded(.up))) } ?? 0
        do {
            let opened = try PostgresConnection(
                url: url,
                settings: [
                    ("default_transaction_read_only", "on"), ("statement_timeout", String(milliseconds)),
                    ("TimeZone", "UTC"), ("DateStyle", "ISO"), ("extra_float_digits", "1"),
                ])
            connection = opened
            return opened
        } catch {
            throw .cannotOpen(database: PostgresURL.redacted(url), reason: error.message)
        }
    }

    private func queryError(_ error: PostgresError) -> QueryError {
        if error.isWriteRefused {
            // "cannot execute INSERT in a read-only transaction": the command is what was refused.
            let prefix = "cannot execute "
            let suffix = " in a read-only transaction"
            guard error.message.hasPrefix(prefix), error.message.hasSuffix(suffix) else {
                return .writeRefused(reason: error.message)
            }
            return .writeRefused(reason: String(error.message.dropFirst(prefix.count).dropLast(suffix.count)))
        }
        if error.isCancelled, let timeoutSeconds { return .timedOut(seconds: timeoutSeconds) }
        if error.isInvalidSQL { return .invalid(reason: error.message) }
        if error.connectionLost { return .cannotOpen(database: PostgresURL.redacted(url), reason: error.message) }
        return .failed(reason: error.message)
    }

    /// A parameter as PostgreSQL's text input reads it: numbers and text as they are, objects and arrays
    /// as JSON, null as NULL.
    static func parameterText(_ value: Value) -> String? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return number.description
        case .string(let text): return text
        case .array, .object: return value.description
        }
    }
}
