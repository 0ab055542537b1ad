/// Where the Unicode scalars of a scalar value's text were written in a pipeline file, so that a
/// diagnostic about part of the text (a token of an expression) points at it.
///
/// Most values sit on one line as written: their text starts at one location and runs along the line.
/// The others — written over several lines, with escapes (`\"`, `''`), or with `${VAR}` values — carry a
/// position per scalar, which the config layer works out from the file.
public struct TextPositions: Sendable, Equatable {
    private enum Storage: Sendable, Equatable {
        case along(SourceLocation)
        /// 1-based lines and columns, one per scalar of the text and one more for its end.
        case mapped(file: String, lines: [Int32], columns: [Int32])
    }

    private let storage: Storage

    /// Text that starts at `location` and runs along the line as written.
    public init(startingAt location: SourceLocation) {
        storage = .along(location)
    }

    /// Text whose scalar `i` was written at `positions[i]` (1-based line and column); the last entry is
    /// where the text ends, so `positions` holds one more entry than the text has scalars.
    public init(file: String, positions: [(line: Int, column: Int)]) {
        storage = .mapped(
            file: file, lines: positions.map { Int32(clamping: $0.line) },
            columns: positions.map { Int32(clamping: $0.column) })
    }

    /// Where the text starts.
    public var start: SourceLocation { location(at: 0) }

    /// Where the text starts, when it runs along one line as written; `nil` for positions worked out per
    /// scalar.
    public var startOfRun: SourceLocation? {
        if case .along(let location) = storage { return location }
        return nil
    }

    /// Where scalar `offset` of the text was written (the text's end for an offset past it).
    public func location(at offset: Int) -> SourceLocation {
        switch storage {
        case .along(let location):
            return location.advanced(byColumns: max(0, offset))
        case .mapped(let file, let lines, let columns):
            guard !lines.isEmpty else { return SourceLocation(file: file, line: 1, column: 1) }
            let index = min(max(0, offset), lines.count - 1)
            return SourceLocation(file: file, line: Int(lines[index]), column: Int(columns[index]))
        }
    }
}
