/// A table, column or index name made safe to put into SQL text: validated, then always double-quoted.
///
/// Quoting (`"name"`, with `"` doubled) is what keeps a field called `a"; DROP TABLE x; --` a column
/// name rather than a statement; validation rejects what no quoting can carry (an empty name, a NUL).
/// SQLite and PostgreSQL quote identifiers the same way.
public struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// Why a name cannot be an identifier.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case containsNUL
        /// SQLite reserves table names that start with `sqlite_` for itself.
        case reserved

        public var description: String {
            switch self {
            case .empty: return "an empty name cannot be a column or table name"
            case .containsNUL: return "a name containing a NUL character cannot be a column or table name"
            case .reserved: return "table names starting with 'sqlite_' are reserved by SQLite"
            }
        }
    }

    /// The name as given.
    public let name: String

    /// Validates `name` as a column or index name.
    public init(_ name: String) throws(Problem) {
        guard !name.isEmpty else { throw .empty }
        guard !name.utf8.contains(0) else { throw .containsNUL }
        self.name = name
    }

    /// Validates `name` as a table name.
    public static func table(_ name: String) throws(Problem) -> SQLIdentifier {
        let identifier = try SQLIdentifier(name)
        guard !identifier.foldedName.hasPrefix("sqlite_") else { throw .reserved }
        return identifier
    }

    /// The name in double quotes, inner quotes doubled: safe anywhere SQL expects a name.
    public var quoted: String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// The key SQLite compares names by: it ignores the case of ASCII letters (and only of those).
    public var foldedName: String { Self.fold(name) }

    /// `name` with ASCII letters in lower case, as SQLite compares identifiers.
    public static func fold(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    public var description: String { name }
}
