/// The columns of one table, in order, looked up by name the way SQL compares names (ASCII case ignored).
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
    private var positions: [String: Int] = [:]

    /// A schema holding `columns`; a later column whose name repeats an earlier one's is left out.
    public init(_ columns: [Column] = []) {
        for column in columns { append(column) }
    }

    /// The position of the column called `name`, ignoring ASCII case.
    public func position(of name: String) -> Int? {
        positions[SQLIdentifier.fold(name)]
    }

    /// Adds `column` at the end, unless a column of that name exists.
    public mutating func append(_ column: Column) {
        guard positions[column.name.foldedName] == nil else { return }
        positions[column.name.foldedName] = columns.count
        columns.append(column)
    }
}
