import CPostgres
import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// One open connection to a PostgreSQL server through libpq, used by one thread at a time.
///
/// Opened from a URL (`postgres://user:password@host:port/database`) or a libpq key/value string. Results
/// are read in text format; `PostgresValues` turns them into typed `Value`s. Closed when released.
public final class PostgresConnection {
    let handle: OpaquePointer

    /// Connects, waiting up to `timeoutSeconds`. `settings` are run-time parameters the server applies to
    /// the session from its start (`statement_timeout`, `default_transaction_read_only`), in place of any the
    /// URL's own `options` names. Errors carry the SQLSTATE the server sent, so a wrong password or a
    /// database that does not exist (`isConfigurationProblem`) can be told from a server that is not up yet
    /// (`isTransient`).
    public init(url: String, settings: [(name: String, value: String)] = [], timeoutSeconds: Double = 10)
        throws(PostgresError)
    {
        // libpq reads `url` as the `dbname` keyword (expand_dbname); `options`, after it, wins.
        var keywords = ["dbname"]
        var values = [url]
        if !settings.isEmpty {
            keywords.append("options")
            values.append(settings.map { "-c \($0.name)=\($0.value)" }.joined(separator: " "))
        }
        let started = Self.withTextArray(keywords) { keywords in
            Self.withTextArray(values) { values in PQconnectStartParams(keywords + [nil], values + [nil], 1) }
        }
        guard let handle = started else {
            throw PostgresError(sqlState: nil, message: "out of memory", connectionLost: true)
        }
        if PQstatus(handle) == CONNECTION_BAD {
            // libpq could not even start: the URL is malformed.
            let message = Self.connectionMessage(handle)
            PQfinish(handle)
            throw PostgresError(sqlState: PostgresError.badURL, message: message, connectionLost: true)
        }
        // Notices ("relation already exists, skipping") would go to standard error.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        // Verbose messages carry the SQLSTATE, the only way libpq tells why a connection was refused.
        PQsetErrorVerbosity(handle, PQERRORS_VERBOSE)
        let deadline = SystemClock.monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
        var status = PGRES_POLLING_WRITING
        while status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED {
            let now = SystemClock.monotonicNanoseconds()
            guard now < deadline else {
                PQfinish(handle)
                throw PostgresError(
                    sqlState: nil, message: "no connection within \(Int(timeoutSeconds)) s", connectionLost: true)
            }
            var ready = pollfd(
                fd: PQsocket(handle), events: Int16(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), revents: 0)
            _ = poll(&ready, 1, Int32(min(1_000, (deadline - now) / 1_000_000)))
            status = PQconnectPoll(handle)
        }
        guard status == PGRES_POLLING_OK else {
            let (sqlState, message) = Self.verboseParts(Self.connectionMessage(handle))
            PQfinish(handle)
            throw PostgresError(sqlState: sqlState, message: message, connectionLost: true)
        }
        PQsetErrorVerbosity(handle, PQERRORS_DEFAULT)
        self.handle = handle
    }

    deinit {
        PQfinish(handle)
    }

    /// True while the connection works; false once the server went away.
    public var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// True inside a transaction block (also one that failed and waits for `ROLLBACK`).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs `sql` (one or more statements, no parameters) and returns the last result.
    @discardableResult
    public func execute(_ sql: String) throws(PostgresError) -> PostgresResult {
        try check(PQexec(handle, sql))
    }

    /// Runs one statement with `parameters` (`$1`, `$2`, ... as text; `nil` is NULL).
    @discardableResult
    public func execute(_ sql: String, parameters: [String?]) throws(PostgresError) -> PostgresResult {
        let raw = withTextArray(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(raw)
    }

    /// Prepares `sql` as the named statement `name` and returns its description (parameter types).
    public func prepare(_ name: String, _ sql: String) throws(PostgresError) -> PostgresResult {
        try check(PQprepare(handle, name, sql, 0, nil))
        return try check(PQdescribePrepared(handle, name))
    }

    /// Runs the prepared statement `name` with `parameters` as text.
    public func executePrepared(_ name: String, parameters: [String?]) throws(PostgresError) -> PostgresResult {
        let raw = withTextArray(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try check(raw)
    }

    /// Runs `COPY … FROM STDIN` and sends `data` (COPY's text format) as its input.
    public func copyIn(_ sql: String, data: [UInt8]) throws(PostgresError) {
        let start = PQexec(handle, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            try check(start)
            throw error(nil, fallback: "COPY did not start")
        }
        PQclear(start)
        let sent = data.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        let ended = PQputCopyEnd(handle, sent == 1 ? nil : "the data could not be sent")
        var failure: PostgresError?
        // Every result of the COPY must be read before the connection takes another command.
        while let result = PQgetResult(handle) {
            if failure == nil && PQresultStatus(result) != PGRES_COMMAND_OK { failure = error(result, fallback: "") }
            PQclear(result)
        }
        if let failure { throw failure }
        if sent != 1 || ended != 1 { throw error(nil, fallback: "the COPY data could not be sent") }
    }

    /// Sends `sql` (one statement, `parameters` as text) and hands its rows to `row` one at a time as they
    /// arrive (libpq's single-row mode); `row` returns false to stop early. Returns the column names and
    /// type OIDs.
    public func stream(
        _ sql: String, parameters: [String?] = [], row: (PostgresResult) -> Bool
    ) throws(PostgresError) -> (columns: [String], types: [UInt32]) {
        let sent = withTextArray(parameters) { values in
            PQsendQueryParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw error(nil, fallback: "the query could not be sent") }
        PQsetSingleRowMode(handle)
        var columns: [String] = []
        var types: [UInt32] = []
        var failure: PostgresError?
        var wanted = true
        while let raw = PQgetResult(handle) {
            let status = PQresultStatus(raw)
            if failure == nil && (status == PGRES_SINGLE_TUPLE || status == PGRES_TUPLES_OK) && columns.isEmpty {
                let result = PostgresResult(raw: raw, owned: false)
                columns = result.columnNames
                types = result.columnTypes
            }
            switch status {
            case PGRES_SINGLE_TUPLE where failure == nil && wanted:
                wanted = row(PostgresResult(raw: raw, owned: false))
                if !wanted {
                    // The rest is not needed: ask the server to stop sending it.
                    if let cancel = PQgetCancel(handle) {
                        var buffer = [CChar](repeating: 0, count: 256)
                        PQcancel(cancel, &buffer, 256)
                        PQfreeCancel(cancel)
                    }
                }
            case PGRES_SINGLE_TUPLE, PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                break
            case PGRES_COPY_OUT, PGRES_COPY_IN, PGRES_COPY_BOTH:
                // A `COPY … TO STDOUT` or `FROM STDIN` is no query: end it, or PQgetResult would return it
                // for ever.
                if failure == nil {
                    failure = PostgresError(
                        sqlState: nil, message: "COPY cannot run here: query with SELECT", connectionLost: false)
                }
                endCopy(status)
            default:
                if failure == nil && wanted { failure = error(raw, fallback: "") }
            }
            PQclear(raw)
        }
        if let failure { throw failure }
        return (columns, types)
    }

    /// Ends a COPY the server started: reads and drops what it sends, or tells it no data will come.
    private func endCopy(_ status: ExecStatusType) {
        if status == PGRES_COPY_OUT {
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(handle, &buffer, 0) > 0 { PQfreemem(buffer) }
        } else {
            PQputCopyEnd(handle, "no COPY data is sent")
        }
    }

    /// Returns `raw` wrapped when it holds a successful result; otherwise throws its error.
    @discardableResult
    private func check(_ raw: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        let status = raw.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, let raw else {
            let failure = error(raw, fallback: "no result")
            PQclear(raw)
            throw failure
        }
        return PostgresResult(raw: raw, owned: true)
    }

    /// The error of `result`, or of the connection when there is no result.
    private func error(_ result: OpaquePointer?, fallback: String) -> PostgresError {
        let lost = PQstatus(handle) != CONNECTION_OK
        if let result, let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))) {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            var message = String(cString: primary)
            if let detail = PQresultErrorField(result, Int32(UInt8(ascii: "D"))) {
                message += " (\(String(cString: detail)))"
            }
            return PostgresError(sqlState: state, message: message, connectionLost: lost)
        }
        let text = Self.connectionMessage(handle)
        return PostgresError(sqlState: nil, message: text.isEmpty ? fallback : text, connectionLost: lost)
    }

    private static func connectionMessage(_ handle: OpaquePointer) -> String {
        var text = String(cString: PQerrorMessage(handle))
        while text.last == "\n" { text.removeLast() }
        return text
    }

    /// The SQLSTATE and the message of a verbose libpq message:
    /// `connection to server at "127.0.0.1", port 5432 failed: FATAL:  3D000: database "x" does not exist`
    /// followed by a `LOCATION:` line.
    static func verboseParts(_ text: String) -> (String?, String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.trimmingPrefix(while: \.isWhitespace)
        }.map(String.init)
        lines.removeAll { $0.hasPrefix("LOCATION:") }
        var message = lines.joined(separator: "; ")
        for severity in ["FATAL:  ", "ERROR:  "] {
            guard let range = message.firstRange(of: severity) else { continue }
            let rest = message[range.upperBound...]
            let code = rest.prefix(5)
            guard code.count == 5, code.allSatisfy({ $0.isNumber || ($0.isUppercase && $0.isASCII) }),
                rest.dropFirst(5).hasPrefix(": ")
            else { continue }
            message = String(message[..<range.upperBound]) + rest.dropFirst(7)
            return (String(code), message)
        }
        return (nil, message)
    }

    private func withTextArray<R>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        Self.withTextArray(values, body)
    }

    private static func withTextArray<R>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        // strdup'd copies live until `body` returns.
        let copies = values.map { $0.map { UnsafePointer(strdup($0)!) } }
        defer { for copy in copies { free(UnsafeMutablePointer(mutating: copy)) } }
        return body(copies)
    }
}

/// A result of a PostgreSQL command: rows of text values with their column names and type OIDs.
public final class PostgresResult {
    let raw: OpaquePointer
    private let owned: Bool

    init(raw: OpaquePointer, owned: Bool) {
        self.raw = raw
        self.owned = owned
    }

    deinit {
        if owned { PQclear(raw) }
    }

    public var rowCount: Int { Int(PQntuples(raw)) }
    public var columnCount: Int { Int(PQnfields(raw)) }
    public var columnNames: [String] { (0..<PQnfields(raw)).map { String(cString: PQfname(raw, $0)) } }
    public var columnTypes: [UInt32] { (0..<PQnfields(raw)).map { PQftype(raw, $0) } }
    /// The type OIDs of a prepared statement's parameters (a description from `prepare`).
    public var parameterTypes: [UInt32] { (0..<PQnparams(raw)).map { PQparamtype(raw, $0) } }

    /// The text of row `row`, column `column`; `nil` for NULL.
    public func text(row: Int, column: Int) -> String? {
        guard PQgetisnull(raw, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(raw, Int32(row), Int32(column)))
    }

    /// The typed value of row `row`, column `column`, read by `values`.
    public func value(row: Int, column: Int, values: inout PostgresValues) -> Value {
        guard let text = text(row: row, column: column) else { return .null }
        return values.value(text, type: PQftype(raw, Int32(column)))
    }
}
