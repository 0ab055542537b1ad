import SluiceCore

/// The rows a read-only query returned, whatever the database: column names and typed values.
public struct QueryResult: Sendable, Equatable {
    /// The column names, in order, as the database reports them (they may repeat).
    public var columns: [String]
    /// The rows, each with one value per column.
    public var rows: [[Value]]
    /// True when the query had more rows than its limit: `rows` holds the first ones.
    public var isTruncated: Bool

    public init(columns: [String], rows: [[Value]], isTruncated: Bool = false) {
        self.columns = columns
        self.rows = rows
        self.isTruncated = isTruncated
    }
}

/// Why a read-only query did not return rows.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be opened (missing file, not a database, no permission).
    case cannotOpen(database: String, reason: String)
    /// The statement would change something: queries are read-only. `reason` says what was refused.
    case writeRefused(reason: String)
    /// The SQL is not valid, names something that does not exist, or is more than one statement.
    case invalid(reason: String)
    /// The query ran longer than its timeout and was interrupted.
    case timedOut(seconds: Double)
    /// The database failed while running the query.
    case failed(reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let database, let reason): return "cannot open database '\(database)': \(reason)"
        case .writeRefused(let reason):
            return "queries are read-only: the database connection refused \(reason)"
        case .invalid(let reason): return reason
        case .timedOut(let seconds):
            return "the query was interrupted after its timeout of \(NumberText.fixed(seconds, decimals: 1))s"
        case .failed(let reason): return "the query failed: \(reason)"
        }
    }
}
