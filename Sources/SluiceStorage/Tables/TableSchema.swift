/// The columns of one table, in order, looked up by name the way its database compares names (SQLite
/// ignores ASCII case, PostgreSQL compares quoted names exactly).
public struct TableSchema: Sendable, Equatable {
    /// One column: its name and type.
    public struct Column: Sendable, Equatable {
        public var name: SQLIdentifier
        public var type: ColumnType

        public init(name: SQLIdentifier, type: ColumnType) {
            self.name = name
            self.type = type
        }
    }

    /// The columns, in table order.
    public private(set) var columns: [Column] = []
    /// The naming rules the columns are compared by.
    public let dialect: SQLDialect
    private var positions: [String: Int] = [:]

    /// A schema holding `columns`; a later column whose name repeats an earlier one's is left out.
    public init(_ columns: [Column] = [], dialect: SQLDialect = .sqlite) {
        self.dialect = dialect
        for column in columns { append(column) }
    }

    /// The position of the column called `name`, compared as the database compares names.
    public func position(of name: String) -> Int? {
        positions[dialect.nameKey(name)]
    }

    /// Adds `column` at the end, unless a column of that name exists.
    public mutating func append(_ column: Column) {
        let key = dialect.nameKey(column.name.name)
        guard positions[key] == nil else { return }
        positions[key] = columns.count
        columns.append(column)
    }
}
