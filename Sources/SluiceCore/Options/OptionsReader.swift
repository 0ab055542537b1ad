/// Reads a stage's options from its mapping in the pipeline file, recording a positioned diagnostic for
/// every problem instead of stopping at the first.
///
/// A stage configuration asks for each key it understands (`string("path")`, `duration("size")`, ...);
/// absent optional keys yield `nil` so the configuration applies its default in one place. `finish()`
/// then reports every key nobody asked for as unknown, with the closest known key as a suggestion.
///
/// Every accessor reads its key through `node(_:)`, which marks the key as known; `contains(_:)`,
/// `location(of:)` and `keyLocation(of:)` look at a key without reading it, for checks and diagnostics.
public struct OptionsReader: Sendable {
    /// The stage's mapping of options as written. Read a key's value through `node(_:)` (or a typed
    /// accessor), so it counts as known.
    public let mapping: ConfigNode
    /// The stage these options belong to, for diagnostics.
    public let stage: String
    /// Everything found wrong so far.
    public private(set) var diagnostics = Diagnostics()
    /// The keys asked for, in order (known keys for did-you-mean, and the documented-options test).
    public private(set) var knownKeys: [String] = []
    private var ignoredKeys: Set<String>

    /// A reader over `mapping`, which must be a mapping; `ignoring` names keys read elsewhere (such as
    /// `type` and `inputs`, which the pipeline loader handles).
    public init(_ mapping: ConfigNode, stage: String, ignoring: Set<String> = []) {
        self.mapping = mapping
        self.stage = stage
        ignoredKeys = ignoring
        if mapping.entries == nil {
            error(.wrongType, "expected a mapping of options, found \(mapping.shapeName)", at: mapping.location)
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

    /// The value of `key`, marking the key as known: the one way options are read (every typed accessor
    /// reads through it). `nil` when absent.
    public mutating func node(_ key: String) -> ConfigNode? {
        if !knownKeys.contains(key) { knownKeys.append(key) }
        return mapping[key]
    }

    /// True when the mapping holds `key`. Does not mark the key as known.
    public func contains(_ key: String) -> Bool {
        mapping[key] != nil
    }

    /// Where a diagnostic about `key`'s value points: the value, or the stage's mapping when the key is
    /// absent (where a missing key belongs).
    public func location(of key: String) -> SourceLocation {
        mapping[key]?.location ?? mapping.location
    }

    /// Where `key` itself is written (for a key that does not apply), or the stage's mapping when absent.
    public func keyLocation(of key: String) -> SourceLocation {
        mapping.entries?.first { $0.key == key }?.keyLocation ?? mapping.location
    }

    /// Reports keys that were never asked for, and returns the diagnostics.
    public mutating func finish() -> Diagnostics {
        for entry in mapping.entries ?? [] where !knownKeys.contains(entry.key) && !ignoredKeys.contains(entry.key) {
            error(
                .unknownField, "unknown option '\(entry.key)'", at: entry.keyLocation,
                suggestion: Suggestion.closest(to: entry.key, among: knownKeys))
        }
        return diagnostics
    }

    // MARK: Typed accessors

    /// A string option (any scalar is accepted as its text).
    public mutating func string(_ key: String) -> String? {
        scalar(key)?.text
    }

    /// A string option that must be present.
    public mutating func requiredString(_ key: String) -> String? {
        let value = string(key)
        if !contains(key) { missing(key) }
        return value
    }

    /// The text of scalar option `key` with its node, which every typed accessor reads through; a value
    /// that is not a scalar is reported.
    mutating func scalar(_ key: String) -> (text: String, node: ConfigNode)? {
        guard let value = node(key) else { return nil }
        guard let text = value.scalar else {
            error(.wrongType, "option '\(key)' must be a string, found \(value.shapeName)", at: value.location)
            return nil
        }
        return (text, value)
    }

    /// One of a fixed set of words, e.g. `format: ndjson | csv`.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let (text, value) = scalar(key) else { return nil }
        if let choice = T(rawValue: text) { return choice }
        let names = T.allCases.map(\.rawValue)
        error(
            .invalidValue, "option '\(key)' must be one of \(names.joined(separator: ", ")); found '\(text)'",
            at: value.location, suggestion: Suggestion.closest(to: text, among: names))
        return nil
    }

    /// An integer option, optionally bounded below.
    public mutating func int(_ key: String, minimum: Int? = nil) -> Int? {
        guard let (text, node) = scalar(key) else { return nil }
        guard let value = Int(text.filter { $0 != "_" }) else {
            error(.wrongType, "option '\(key)' must be an integer, found '\(text)'", at: node.location)
            return nil
        }
        if let minimum, value < minimum {
            error(.invalidValue, "option '\(key)' must be at least \(minimum), found \(value)", at: node.location)
            return nil
        }
        return value
    }

    /// A number option.
    public mutating func double(_ key: String) -> Double? {
        guard let (text, node) = scalar(key) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(.wrongType, "option '\(key)' must be a number, found '\(text)'", at: node.location)
            return nil
        }
        return value
    }

    /// A boolean option (`true` or `false`).
    public mutating func bool(_ key: String) -> Bool? {
        guard let (text, node) = scalar(key) else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            error(.wrongType, "option '\(key)' must be true or false, found '\(text)'", at: node.location)
            return nil
        }
    }

    /// A duration option such as `10s`.
    public mutating func duration(_ key: String) -> ConfigDuration? {
        guard let (text, node) = scalar(key) else { return nil }
        guard let value = ConfigDuration(parsing: text) else {
            error(
                .invalidValue, "option '\(key)': invalid duration '\(text)' (use e.g. 500ms, 10s, 5m, 1h)",
                at: node.location)
            return nil
        }
        return value
    }

    /// A size option such as `64KiB`.
    public mutating func size(_ key: String) -> ConfigSize? {
        guard let (text, node) = scalar(key) else { return nil }
        guard let value = ConfigSize(parsing: text) else {
            error(
                .invalidValue, "option '\(key)': invalid size '\(text)' (use e.g. 512, 64KiB, 10MB, 1GiB)",
                at: node.location)
            return nil
        }
        return value
    }

    /// A list of strings; a single scalar is accepted as a one-item list.
    public mutating func stringList(_ key: String) -> [String]? {
        scalarItems(key)?.map(\.text)
    }

    /// A list of field paths such as `[user.id, category]`.
    public mutating func fieldList(_ key: String) -> [FieldPath]? {
        guard let items = scalarItems(key) else { return nil }
        var paths: [FieldPath] = []
        for (name, item) in items {
            guard let path = FieldPath(name) else {
                error(.invalidValue, "'\(name)' is not a field name or dotted path", at: item.location)
                continue
            }
            paths.append(path)
        }
        return paths
    }

    /// A list of field paths that must be present and name at least one field.
    public mutating func requiredFieldList(_ key: String) -> [FieldPath]? {
        guard let paths = fieldList(key) else {
            if !contains(key) { missing(key) }
            return nil
        }
        guard !paths.isEmpty else {
            error(.invalidValue, "option '\(key)' must name at least one field", at: location(of: key))
            return nil
        }
        return paths
    }

    /// The scalar items of list option `key` with their nodes (a single scalar is a one-item list);
    /// items that are not scalars are reported and left out.
    private mutating func scalarItems(_ key: String) -> [(text: String, node: ConfigNode)]? {
        guard let value = node(key) else { return nil }
        if let text = value.scalar { return [(text, value)] }
        guard let items = value.items else {
            error(.wrongType, "option '\(key)' must be a list of strings, found \(value.shapeName)", at: value.location)
            return nil
        }
        var result: [(text: String, node: ConfigNode)] = []
        for item in items {
            guard let text = item.scalar else {
                error(.wrongType, "items of '\(key)' must be strings, found \(item.shapeName)", at: item.location)
                continue
            }
            result.append((text, item))
        }
        return result
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

    /// A mapping of names to scalars, in file order (an aggregate's `metrics`), with the position of each
    /// name, where each text was written and the ranges of each text that came from the environment (see
    /// `ConfigNode.substitutions`).
    public mutating func namedScalars(
        _ key: String
    ) -> [(name: String, nameLocation: SourceLocation, text: String, positions: TextPositions, literals: [Range<Int>])]?
    {
        guard let value = node(key) else { return nil }
        guard let entries = value.entries else {
            error(.wrongType, "option '\(key)' must be a mapping, found \(value.shapeName)", at: value.location)
            return nil
        }
        var result: [(String, SourceLocation, String, TextPositions, [Range<Int>])] = []
        for entry in entries {
            guard let text = entry.value.scalar else {
                error(
                    .wrongType, "'\(key).\(entry.key)' must be a scalar, found \(entry.value.shapeName)",
                    at: entry.value.location)
                continue
            }
            result.append(
                (entry.key, entry.keyLocation, text, entry.value.textPositions, entry.value.substitutions.map(\.range)))
        }
        return result
    }

    /// Records that a required key is missing, pointing at the stage's mapping.
    public mutating func missing(_ key: String) {
        error(.missingField, "missing required option '\(key)'", at: mapping.location)
    }
}
