/// Reads a stage's options from its mapping in the pipeline file, recording a positioned diagnostic for
/// every problem instead of stopping at the first.
///
/// A stage configuration asks for each key it understands (`string("path")`, `duration("size")`, ...);
/// absent optional keys yield `nil` so the configuration applies its default in one place. `finish()`
/// then reports every key nobody asked for as unknown, with the closest known key as a suggestion.
public struct OptionsReader: Sendable {
    /// The mapping being read.
    public let node: ConfigNode
    /// The stage these options belong to, for diagnostics.
    public let stage: String
    /// Everything found wrong so far.
    public private(set) var diagnostics = Diagnostics()
    /// The keys asked for, in order (known keys for did-you-mean, and the documented-options test).
    public private(set) var knownKeys: [String] = []
    private var ignoredKeys: Set<String>

    /// A reader over `node`, which must be a mapping; `ignoring` names keys read elsewhere (such as
    /// `type` and `inputs`, which the pipeline loader handles).
    public init(_ node: ConfigNode, stage: String, ignoring: Set<String> = []) {
        self.node = node
        self.stage = stage
        ignoredKeys = ignoring
        if node.entries == nil {
            error(.wrongType, "expected a mapping of options, found \(node.shapeName)", at: node.location)
        }
    }

    /// Records an error at `location`, attributed to this stage.
    public mutating func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation, suggestion: String? = nil
    ) {
        diagnostics.error(code, message, at: location, stage: stage, suggestion: suggestion)
    }

    /// Records a warning at `location`, attributed to this stage: reported, but the configuration stands.
    public mutating func warning(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        diagnostics.warning(code, message, at: location, stage: stage)
    }

    /// Records every diagnostic of `other` (e.g. from a nested reader or an expression).
    public mutating func append(_ other: Diagnostics) {
        diagnostics.append(contentsOf: other.attributed(to: stage))
    }

    /// The raw node for `key`, marking the key as known. `nil` when absent.
    public mutating func node(_ key: String) -> ConfigNode? {
        if !knownKeys.contains(key) { knownKeys.append(key) }
        return node[key]
    }

    /// Reports keys that were never asked for, and returns the diagnostics.
    public mutating func finish() -> Diagnostics {
        for entry in node.entries ?? [] where !knownKeys.contains(entry.key) && !ignoredKeys.contains(entry.key) {
            error(
                .unknownField, "unknown option '\(entry.key)'", at: entry.keyLocation,
                suggestion: Suggestion.closest(to: entry.key, among: knownKeys))
        }
        return diagnostics
    }

    // MARK: Typed accessors

    /// A string option (any scalar is accepted as its text).
    public mutating func string(_ key: String) -> String? {
        guard let value = node(key) else { return nil }
        guard let text = value.scalar else {
            error(.wrongType, "option '\(key)' must be a string, found \(value.shapeName)", at: value.location)
            return nil
        }
        return text
    }

    /// A string option that must be present.
    public mutating func requiredString(_ key: String) -> String? {
        let value = string(key)
        if value == nil && node[key] == nil { missing(key) }
        return value
    }

    /// One of a fixed set of words, e.g. `format: ndjson | csv`.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        error(
            .invalidValue, "option '\(key)' must be one of \(names.joined(separator: ", ")); found '\(text)'",
            at: node[key]!.location, suggestion: Suggestion.closest(to: text, among: names))
        return nil
    }

    /// An integer option, optionally bounded below.
    public mutating func int(_ key: String, minimum: Int? = nil) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text.filter { $0 != "_" }) else {
            error(.wrongType, "option '\(key)' must be an integer, found '\(text)'", at: node[key]!.location)
            return nil
        }
        if let minimum, value < minimum {
            error(.invalidValue, "option '\(key)' must be at least \(minimum), found \(value)", at: node[key]!.location)
            return nil
        }
        return value
    }

    /// A number option.
    public mutating func double(_ key: String) -> Double? {
        guard let text = string(key) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(.wrongType, "option '\(key)' must be a number, found '\(text)'", at: node[key]!.location)
            return nil
        }
        return value
    }

    /// A boolean option (`true` or `false`).
    public mutating func bool(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            error(.wrongType, "option '\(key)' must be true or false, found '\(text)'", at: node[key]!.location)
            return nil
        }
    }

    /// A duration option such as `10s`.
    public mutating func duration(_ key: String) -> ConfigDuration? {
        guard let text = string(key) else { return nil }
        guard let value = ConfigDuration(parsing: text) else {
            error(
                .invalidValue, "option '\(key)': invalid duration '\(text)' (use e.g. 500ms, 10s, 5m, 1h)",
                at: node[key]!.location)
            return nil
        }
        return value
    }

    /// A size option such as `64KiB`.
    public mutating func size(_ key: String) -> ConfigSize? {
        guard let text = string(key) else { return nil }
        guard let value = ConfigSize(parsing: text) else {
            error(
                .invalidValue, "option '\(key)': invalid size '\(text)' (use e.g. 512, 64KiB, 10MB, 1GiB)",
                at: node[key]!.location)
            return nil
        }
        return value
    }

    /// A list of strings; a single scalar is accepted as a one-item list.
    public mutating func stringList(_ key: String) -> [String]? {
        guard let value = node(key) else { return nil }
        if let text = value.scalar { return [text] }
        guard let items = value.items else {
            error(.wrongType, "option '\(key)' must be a list of strings, found \(value.shapeName)", at: value.location)
            return nil
        }
        var result: [String] = []
        for item in items {
            guard let text = item.scalar else {
                error(.wrongType, "items of '\(key)' must be strings, found \(item.shapeName)", at: item.location)
                continue
            }
            result.append(text)
        }
        return result
    }

    /// A list of field paths such as `[user.id, category]`.
    public mutating func fieldList(_ key: String) -> [FieldPath]? {
        guard let names = stringList(key) else { return nil }
        let items = node[key]!.items ?? [node[key]!]
        var paths: [FieldPath] = []
        for (name, item) in zip(names, items) {
            guard let path = FieldPath(name) else {
                error(.invalidValue, "'\(name)' is not a field name or dotted path", at: item.location)
                continue
            }
            paths.append(path)
        }
        return paths
    }

    /// A nested mapping read by its own reader; its diagnostics are merged into this one by `merge(_:)`.
    public mutating func nested(_ key: String) -> OptionsReader? {
        guard let value = node(key) else { return nil }
        guard value.entries != nil else {
            error(.wrongType, "option '\(key)' must be a mapping, found \(value.shapeName)", at: value.location)
            return nil
        }
        return OptionsReader(value, stage: stage)
    }

    /// Finishes a nested reader and merges its diagnostics into this one.
    public mutating func merge(_ nested: inout OptionsReader) {
        diagnostics.append(contentsOf: nested.finish())
    }

    /// A mapping of names to expression sources, in file order (e.g. an aggregate's `metrics`), with where
    /// each text was written and the ranges of it that came from the environment (see
    /// `ConfigNode.substitutions`).
    public mutating func namedScalars(
        _ key: String
    ) -> [(name: String, text: String, positions: TextPositions, literals: [Range<Int>])]? {
        guard let value = node(key) else { return nil }
        guard let entries = value.entries else {
            error(.wrongType, "option '\(key)' must be a mapping, found \(value.shapeName)", at: value.location)
            return nil
        }
        var result: [(String, String, TextPositions, [Range<Int>])] = []
        for entry in entries {
            guard let text = entry.value.scalar else {
                error(
                    .wrongType, "'\(key).\(entry.key)' must be a scalar, found \(entry.value.shapeName)",
                    at: entry.value.location)
                continue
            }
            result.append((entry.key, text, entry.value.textPositions, entry.value.substitutions.map(\.range)))
        }
        return result
    }

    /// Records that a required key is missing, pointing at the stage's mapping.
    public mutating func missing(_ key: String) {
        error(.missingField, "missing required option '\(key)'", at: node.location)
    }
}
