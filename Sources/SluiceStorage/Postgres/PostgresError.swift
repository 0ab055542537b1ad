/// An error reported by PostgreSQL or by libpq: the SQLSTATE code when the server sent one, and the message.
public struct PostgresError: DatabaseError, Equatable {
    /// The five-character SQLSTATE (`23505`, `57P01`, ...); `nil` when no server answered (connection refused).
    public let sqlState: String?
    /// The message, without "ERROR:" and without the connection's address or password.
    public let message: String
    /// True when the connection is gone after this error, so a new one is needed.
    public let connectionLost: Bool

    public init(sqlState: String?, message: String, connectionLost: Bool) {
        self.sqlState = sqlState
        self.message = message
        self.connectionLost = connectionLost
    }

    private var sqlClass: Substring? { sqlState?.prefix(2) }

    /// True for problems with who connects to what (a wrong password, a role or database that does not
    /// exist, a malformed URL): waiting does not help.
    public var isConfigurationProblem: Bool {
        sqlClass == "28" || sqlState == "3D000" || sqlState == Self.badURL
    }

    /// True when the same work may succeed later: the connection was lost or refused (a server that
    /// restarts), the server is starting or shutting down, out of resources, or a transaction lost a
    /// race (a deadlock, a serialization failure, a column or table another writer created meanwhile).
    public var isTransient: Bool {
        if isConfigurationProblem { return false }
        if connectionLost || sqlState == nil { return true }
        if let sqlClass, ["08", "40", "53", "57", "58"].contains(sqlClass) && sqlState != "57014" { return true }
        return ["55P03", "42701", "42P07", "42710"].contains(sqlState ?? "")
    }

    /// True when the data of a row is at fault (a value the column's type cannot hold, a constraint):
    /// the rows are written again in smaller groups to find the bad ones.
    public var rejectsRows: Bool {
        !connectionLost && (sqlClass == "22" || sqlClass == "23" || sqlState == "21000")
    }

    /// True when a read-only transaction refused a change.
    public var isWriteRefused: Bool { sqlState == "25006" }

    /// True when `statement_timeout` cancelled the statement.
    public var isCancelled: Bool { sqlState == "57014" }

    /// True for SQL the server could not take: a syntax error, a name that does not exist, a type mismatch.
    public var isInvalidSQL: Bool { sqlClass == "42" }

    /// Marks a URL libpq could not parse (not a SQLSTATE of the server).
    static let badURL = "url"

    public var description: String { message }
}
