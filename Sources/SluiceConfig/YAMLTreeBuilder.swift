import CYAML
import SluiceCore

/// Builds the `ConfigNode` tree from libyaml's events, one event at a time and without recursion.
///
/// Every node keeps the position of its first character. Anchors and aliases are refused where they are
/// written, before anything could be expanded; the depth and the number of nodes are bounded by
/// `ConfigLimits`; a key written twice in one mapping is an error (the first value is kept).
struct YAMLTreeBuilder {
    /// What the builder does after an event.
    enum Next {
        case proceed
        /// A limit was reached or a second document started: the diagnostic is recorded, stop reading.
        case stop
        /// The stream ended.
        case done
    }

    /// A mapping key read, waiting for its value.
    private enum PendingKey {
        case key(String, SourceLocation)
        /// A key that is not a scalar, already reported: its value is dropped.
        case invalid
    }

    /// A mapping or list whose end event has not come yet.
    private struct Frame {
        let isMapping: Bool
        let isFlow: Bool
        let location: SourceLocation
        var items: [ConfigNode] = []
        var entries: [ConfigNode.Entry] = []
        var pendingKey: PendingKey?
        var firstKeyLines: [String: Int] = [:]
        /// A plain value of this flow collection with an unclosed `(`: text so far and parentheses open.
        var split: (text: String, start: SourceLocation, open: Int, pieces: Int)?
    }

    let file: String
    let limits: ConfigLimits
    let substitution: EnvironmentSubstitution
    /// The file's text, for the positions of values that do not run along one line as written.
    let source: SourceText
    private(set) var diagnostics = Diagnostics()
    private(set) var root: ConfigNode?
    private(set) var flowSplits: [FlowSplit] = []
    private var stack: [Frame] = []
    private var nodes = 0
    private var documents = 0

    init(file: String, limits: ConfigLimits, environment: [String: String], source: SourceText) {
        self.file = file
        self.limits = limits
        substitution = EnvironmentSubstitution(environment: environment)
        self.source = source
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// The start of a plain value with an unclosed `(` in a flow collection that is still open: a syntax
    /// error there most likely comes from YAML cutting that value (`{ v: choice(["a", "b"]) }`).
    var openFlowSplitText: String? {
        stack.last(where: { ($0.split?.open ?? 0) > 0 })?.split?.text
    }

    mutating func handle(_ event: yaml_event_t) -> Next {
        let at = location(event.start_mark)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return .done
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            guard documents == 1 else {
                diagnostics.error(
                    .yamlUnsupported, "invalid YAML: a pipeline file holds one document, but another one starts here",
                    at: at)
                return .stop
            }
            return .proceed
        case YAML_ALIAS_EVENT:
            guard count(at: at) else { return .stop }
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            diagnostics.error(
                .yamlUnsupported, "YAML aliases ('*\(name)') are not supported; write the value out", at: at)
            attach(ConfigNode(.scalar("", quoted: false), at: at))
            return .proceed
        case YAML_SCALAR_EVENT:
            guard count(at: at) else { return .stop }
            let scalar = event.data.scalar
            refuseAnchor(scalar.anchor, at: at)
            let tagMakesString = acceptTag(scalar.tag, at: at)
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let isQuoted =
                scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
            addScalar(text, quoted: isQuoted || tagMakesString, style: scalar.style, event: event)
            return .proceed
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            guard count(at: at) else { return .stop }
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
            refuseAnchor(anchor, at: at)
            _ = acceptTag(tag, at: at)
            guard stack.count < limits.maxDepth else {
                diagnostics.error(
                    .configLimit,
                    "mappings and lists nest deeper than \(limits.maxDepth) levels, the limit for a pipeline file",
                    at: at)
                return .stop
            }
            let isFlow =
                isMapping
                ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
            stack.append(Frame(isMapping: isMapping, isFlow: isFlow, location: at))
            return .proceed
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return .proceed }
            if let split = frame.split, split.pieces > 0 {
                flowSplits.append(FlowSplit(text: split.text, start: split.start, end: location(event.end_mark)))
            }
            attach(ConfigNode(frame.isMapping ? .map(frame.entries) : .list(frame.items), at: frame.location))
            return .proceed
        default:
            return .proceed
        }
    }

    /// Counts one node against the budget; false (with a diagnostic) when the budget is spent.
    private mutating func count(at location: SourceLocation) -> Bool {
        nodes += 1
        guard nodes > limits.maxNodes else { return true }
        diagnostics.error(
            .configLimit, "the file holds more than \(limits.maxNodes) YAML values, the limit for a pipeline file",
            at: location)
        return false
    }

    private mutating func refuseAnchor(_ anchor: UnsafeMutablePointer<yaml_char_t>?, at location: SourceLocation) {
        guard let anchor else { return }
        diagnostics.error(
            .yamlUnsupported,
            "YAML anchors ('&\(String(cString: anchor))') are not supported; write the value out", at: location)
    }

    /// Checks a node's tag: the core schema's tags are accepted (`!!str` and `!` make a scalar a string),
    /// any other tag is an error. Returns true when the tag makes the scalar a string.
    private mutating func acceptTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, at location: SourceLocation) -> Bool {
        guard let tag else { return false }
        let name = String(cString: tag)
        let core = "tag:yaml.org,2002:"
        if name == "!" || name == core + "str" { return true }
        if name.hasPrefix(core), ["int", "float", "bool", "null", "map", "seq"].contains(name.dropFirst(core.count)) {
            return false
        }
        let shown = name.hasPrefix(core) ? "!!" + name.dropFirst(core.count) : name
        diagnostics.error(.yamlUnsupported, "YAML tag '\(shown)' is not supported", at: location)
        return false
    }

    private mutating func addScalar(_ raw: String, quoted: Bool, style: yaml_scalar_style_t, event: yaml_event_t) {
        let location = location(event.start_mark)
        let isKey = stack.last.map { $0.isMapping && $0.pendingKey == nil } ?? false
        if style == YAML_PLAIN_SCALAR_STYLE { noteFlowPiece(raw, at: location) }
        // Keys are names, not values: no environment substitution in them.
        guard !isKey else {
            attach(ConfigNode(.scalar(raw, quoted: quoted), at: location))
            return
        }
        let written = positions(of: raw, style: style, event: event)
        let (text, substitutions, offsets) = substitution.apply(to: raw, at: written, diagnostics: &diagnostics)
        var positions = written.startOfRun == nil ? written : nil
        if let offsets {
            positions = TextPositions(
                file: file, positions: offsets.map { (written.location(at: $0).line, written.location(at: $0).column) })
        }
        attach(
            ConfigNode(
                .scalar(text, quoted: quoted), at: location, substitutions: substitutions, scalarPositions: positions))
    }

    /// Where each scalar of the value `raw` was written: along the line from its first character (after an
    /// opening quote) when it is written as itself on one line, else worked out from the file's text.
    private func positions(of raw: String, style: yaml_scalar_style_t, event: yaml_event_t) -> TextPositions {
        let (start, end) = (event.start_mark, event.end_mark)
        let isQuoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
        let written = Int(end.column) - Int(start.column) - (isQuoted ? 2 : 0)
        let isBlock = style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE
        if start.line == end.line, !isBlock, written == raw.unicodeScalars.count {
            return TextPositions(startingAt: location(start).advanced(byColumns: isQuoted ? 1 : 0))
        }
        return TextPositions(
            file: file, positions: source.positions(of: raw, style: style, start: start, end: end))
    }

    /// Follows plain values of a flow collection: one with an unclosed `(` starts a split, and the
    /// values after it are its pieces until the parentheses balance.
    private mutating func noteFlowPiece(_ text: String, at location: SourceLocation) {
        guard let top = stack.indices.last, stack[top].isFlow else { return }
        let open = FlowSplit.openParentheses(in: text)
        if var split = stack[top].split, split.open > 0 {
            guard !text.isEmpty else { return }
            split.text += ", " + text
            split.open += open
            split.pieces += 1
            stack[top].split = split
        } else if open > 0, stack[top].split == nil {
            stack[top].split = (text, location, open, 0)
        }
    }

    /// Adds a finished node to the collection being read, or makes it the root.
    private mutating func attach(_ node: ConfigNode) {
        guard let top = stack.indices.last else {
            root = node
            return
        }
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        switch stack[top].pendingKey {
        case nil:
            if case .scalar(let name, _) = node.content {
                stack[top].pendingKey = .key(name, node.location)
            } else {
                diagnostics.error(.wrongType, "mapping keys must be scalars", at: node.location)
                stack[top].pendingKey = .invalid
            }
        case .key(let name, let keyLocation):
            stack[top].pendingKey = nil
            if let firstLine = stack[top].firstKeyLines[name] {
                diagnostics.error(
                    .duplicateKey, "duplicate key '\(name)' (first written at line \(firstLine))",
                    at: keyLocation)
            } else {
                stack[top].firstKeyLines[name] = keyLocation.line
                stack[top].entries.append(ConfigNode.Entry(key: name, keyLocation: keyLocation, value: node))
            }
        case .invalid:
            stack[top].pendingKey = nil
        }
    }
}
