import SluiceCore

/// A plain value in a flow collection that YAML cut at a comma: `{ value: uniform(0, 10) }` reads as
/// `value: uniform(0` and a key `10)`. The diagnostics that the pieces cause get a hint to quote the value.
public struct FlowSplit: Sendable, Equatable {
    /// The value as it was probably meant, pieces joined again (`uniform(0, 10)`).
    public var text: String
    /// Where the cut value starts.
    public var start: SourceLocation
    /// Where the flow collection holding the pieces ends.
    public var end: SourceLocation

    /// What to do about it.
    public var hint: String {
        "YAML ends a plain value at a comma inside { } or [ ], which cut '\(text)' apart; "
            + "quote it (\"\(text)\") or write the mapping in block style"
    }

    /// The hint for a syntax error inside a flow collection after a plain value with an unclosed `(`.
    static func syntaxHint(afterValueStarting text: String) -> String {
        "a plain value inside { } or [ ] ends at a comma or bracket; quote the value that starts with "
            + "'\(text)' or write the mapping in block style"
    }

    /// True when `location` lies between the cut value's start and the collection's end.
    func covers(_ location: SourceLocation) -> Bool {
        location.file == start.file && (location.line, location.column) >= (start.line, start.column)
            && (location.line, location.column) <= (end.line, end.column)
    }

    /// Parentheses opened minus parentheses closed in `text`: above zero, the value was cut inside a call.
    static func openParentheses(in text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ($1 == "(" ? 1 : $1 == ")" ? -1 : 0) }
    }
}

extension Diagnostics {
    /// The diagnostics with each split's hint added to the first of them (in file order) that lies inside
    /// that split: the others are mostly echoes of it.
    public func withHints(for splits: [FlowSplit]) -> Diagnostics {
        var result = all
        for split in splits {
            let inside = result.indices.compactMap { index in
                result[index].location.flatMap { split.covers($0) ? (index, $0.line, $0.column) : nil }
            }
            if let first = inside.min(by: { ($0.1, $0.2) < ($1.1, $1.2) }) {
                result[first.0].message += " (\(split.hint))"
            }
        }
        return Diagnostics(result)
    }
}
