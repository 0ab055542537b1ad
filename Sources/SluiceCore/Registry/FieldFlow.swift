/// What a stage does to the top-level fields of the events passing through it, so the pipeline compiler
/// can tell when an expression reads a field that no event reaching the stage has (`label: hello`, where
/// `"hello"` was meant).
///
/// Optional: a stage configuration that does not conform makes the fields after it unknown, and nothing
/// after it is checked.
public protocol FieldFlow {
    /// The top-level field names of the events the stage emits, given those of the events it receives;
    /// `nil` when unknown (any field may be there). `input` is `nil` for sources and when unknown.
    func outputFields(given input: Set<String>?) -> Set<String>?

    /// Warnings about the stage's expressions reading fields outside `input` (`nil`: unknown, so none).
    func fieldWarnings(given input: Set<String>?) -> Diagnostics
}

extension FieldFlow {
    public func fieldWarnings(given input: Set<String>?) -> Diagnostics { Diagnostics() }
}

/// A stage that passes events on with the fields they arrived with (a filter, say).
public protocol FieldPreserving: FieldFlow {}

extension FieldPreserving {
    public func outputFields(given input: Set<String>?) -> Set<String>? { input }
}

extension Expression {
    /// A warning when the expression is a bare word (`hello`) naming none of `available`, the fields it
    /// can read: it is always null, and the string `"hello"` was probably meant, or a field spelled alike.
    public func bareWordWarning(available: Set<String>) -> Diagnostic? {
        guard let word = bareWord, !available.contains(word) else { return nil }
        let close = Suggestion.closest(to: word, among: available.sorted())
        let meant = close.map { "the field '\($0)'" } ?? "the string \"\(word)\""
        let names = available.sorted()
        let listed = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", …" : "")
        let known = names.isEmpty ? "" : " (\(listed))"
        return Diagnostic(
            .warning, code: .expression,
            message: "'\(word)' reads a field that no event reaching this stage has\(known), so it is always "
                + "null; did you mean \(meant)?",
            location: location)
    }
}
