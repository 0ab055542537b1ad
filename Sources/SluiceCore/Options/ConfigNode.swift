/// A pipeline-file value with the position it came from: the YAML tree, independent of any YAML library.
///
/// The config layer builds it from the parsed file (after `${VAR}` substitution); stage configurations
/// read their options from it through `OptionsReader`, so every error can point at a line and column.
public struct ConfigNode: Sendable, Equatable {
    /// The shape of a node.
    public enum Content: Sendable, Equatable {
        /// A scalar's text; `quoted` is true when it was written in quotes (so `"1"` stays a string).
        case scalar(String, quoted: Bool)
        case list([ConfigNode])
        case map([Entry])
    }

    /// One `key: value` pair of a mapping, with the key's own position.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: ConfigNode

        public init(key: String, keyLocation: SourceLocation, value: ConfigNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var content: Content
    public var location: SourceLocation
    /// The parts of a scalar's text that came from the environment (`${VAR}`), in text order; an expression
    /// reads each as one literal value, never as code.
    public var substitutions: [Substitution]
    /// Where each Unicode scalar of a scalar's text was written, when the text does not simply run along
    /// the line from its first character (see `textPositions`): written over several lines, with escapes,
    /// or with `${VAR}` values.
    public var scalarPositions: TextPositions?

    public init(
        _ content: Content, at location: SourceLocation, substitutions: [Substitution] = [],
        scalarPositions: TextPositions? = nil
    ) {
        self.content = content
        self.location = location
        self.substitutions = substitutions
        self.scalarPositions = scalarPositions
    }

    /// The scalar text, when the node is a scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The entries, when the node is a mapping.
    public var entries: [Entry]? {
        if case .map(let entries) = content { return entries }
        return nil
    }

    /// The items, when the node is a list.
    public var items: [ConfigNode]? {
        if case .list(let items) = content { return items }
        return nil
    }

    /// The value of `key`, when the node is a mapping that has it.
    public subscript(key: String) -> ConfigNode? {
        entries?.first { $0.key == key }?.value
    }

    /// A short name for the node's shape, for "expected X, found Y" messages.
    public var shapeName: String {
        switch content {
        case .scalar: return "a scalar"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }
}

/// A part of a scalar's text that an environment variable supplied, by Unicode scalar offsets into the text.
public struct Substitution: Sendable, Equatable {
    /// The variable's name (`NAME` in `${NAME}`).
    public var variable: String
    /// Where its value sits in the scalar's text after substitution.
    public var range: Range<Int>
    /// Where the `${` is written in the file.
    public var location: SourceLocation

    public init(variable: String, range: Range<Int>, location: SourceLocation) {
        self.variable = variable
        self.range = range
        self.location = location
    }
}
