import SluiceCore

/// What a reload changes: the stages of two graphs of one pipeline compared by id and identity.
///
/// A stage is *kept* when its id, kind, type, inputs and parallelism are unchanged and so are its options,
/// as written or as decoded (a default spelled out changes nothing); it then keeps running with its state.
/// Otherwise it is *changed* (same id), *added* or *removed*.
public struct GraphDiff: Sendable {
    /// One changed stage, with the top-level keys whose values differ.
    public struct Change: Sendable, Equatable {
        public let id: String
        public let keys: [String]
    }

    public let added: [String]
    public let removed: [String]
    public let changed: [Change]
    public let kept: [String]

    public init(from old: StageGraph, to new: StageGraph) {
        let oldById = Dictionary(uniqueKeysWithValues: old.nodes.map { ($0.id, $0) })
        let newIds = Set(new.nodes.map(\.id))
        var added: [String] = []
        var changed: [Change] = []
        var kept: [String] = []
        for node in new.nodes {
            guard let previous = oldById[node.id] else {
                added.append(node.id)
                continue
            }
            if Self.isSame(previous, node) {
                kept.append(node.id)
            } else {
                changed.append(Change(id: node.id, keys: Self.changedKeys(previous.options, node.options)))
            }
        }
        self.added = added
        self.changed = changed
        self.kept = kept
        removed = old.nodes.map(\.id).filter { !newIds.contains($0) }
    }

    /// True when nothing changes.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Stage ids that stop running in their current form: removed and changed ones.
    public var retired: Set<String> { Set(removed).union(changed.map(\.id)) }

    /// True when `a` and `b` are the same running stage.
    public static func isSame(_ a: StageNode, _ b: StageNode) -> Bool {
        guard a.kind == b.kind, a.typeName == b.typeName, a.parallelism == b.parallelism else { return false }
        // Replacing a stage whose decoded configuration did not change would only cost its state: a source
        // would read its files again from the start.
        return a.identity == b.identity || (a.inputs == b.inputs && a.config.isEqual(to: b.config))
    }

    /// The plan as text: one line per stage that changes, then the kept ones.
    public var description: String {
        var lines: [String] = []
        for id in added { lines.append("+ \(id)  (added)") }
        for id in removed { lines.append("- \(id)  (removed; drained first)") }
        for change in changed {
            lines.append("~ \(change.id)  (changed: \(change.keys.joined(separator: ", ")); drained and replaced)")
        }
        if !kept.isEmpty { lines.append("= \(kept.joined(separator: ", "))  (kept, with their state)") }
        return lines.isEmpty ? "no changes\n" : lines.joined(separator: "\n") + "\n"
    }

    private static func changedKeys(_ old: ConfigNode, _ new: ConfigNode) -> [String] {
        let oldEntries = old.entries ?? []
        let newEntries = new.entries ?? []
        var keys: [String] = []
        for entry in newEntries {
            let previous = oldEntries.first { $0.key == entry.key }
            if previous.map({ !sameContent($0.value, entry.value) }) ?? true { keys.append(entry.key) }
        }
        for entry in oldEntries where !newEntries.contains(where: { $0.key == entry.key }) { keys.append(entry.key) }
        return keys
    }

    /// Equal ignoring positions.
    private static func sameContent(_ a: ConfigNode, _ b: ConfigNode) -> Bool {
        switch (a.content, b.content) {
        case (.scalar(let x, let qx), .scalar(let y, let qy)): return x == y && qx == qy
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { sameContent($0, $1) }
        case (.map(let x), .map(let y)):
            return x.count == y.count
                && x.allSatisfy { entry in y.contains { $0.key == entry.key && sameContent($0.value, entry.value) } }
        default: return false
        }
    }
}
