/// Aligned plain-text tables for people (`--stats`, `runner top`): columns padded to their widest
/// cell, separated by two spaces, right-aligned where the column says so.
package struct AlignedTable {
    /// One column: its title and whether its cells are right-aligned (numbers).
    package struct Column {
        public let title: String
        public let rightAligned: Bool

        public init(_ title: String, rightAligned: Bool = false) {
            self.title = title
            self.rightAligned = rightAligned
        }
    }

    package let columns: [Column]
    package private(set) var rows: [[String]] = []

    package init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row with one cell per column.
    package mutating func append(_ cells: [String]) {
        precondition(cells.count == columns.count, "a row needs one cell per column")
        rows.append(cells)
    }

    /// The header and the rows, one line each.
    package func render() -> String {
        let header = columns.map(\.title)
        let widths = columns.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var text = cells.indices.map { index in
                let padding = String(repeating: " ", count: widths[index] - cells[index].count)
                return columns[index].rightAligned ? padding + cells[index] : cells[index] + padding
            }.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
