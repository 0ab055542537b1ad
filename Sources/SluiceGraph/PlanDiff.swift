import SluiceCore

/// What a reload from one plan of a pipeline to another changes: its stages compared by id and identity,
/// and its nodes (the queues) compared by the stages they hold.
///
/// A stage is *kept* when its `StageIdentity` is unchanged (id, kind, type, typed configuration, inputs
/// and parallelism); it then keeps running with its state. Otherwise it is *changed* (same id), *added*
/// or *removed*.
public struct PlanDiff: Sendable {
    /// One changed stage, with the top-level keys whose values differ as written.
    public struct Change: Sendable, Equatable {
        /// The stage's id.
        public let id: String
        /// The top-level keys of its mapping whose text differs, in the new file's order.
        public let keys: [String]

        /// The change of stage `id` in `keys`.
        public init(id: String, keys: [String]) {
            self.id = id
            self.keys = keys
        }
    }

    /// One node whose stages are the same in both plans but whose copies or queues differ.
    public struct NodeChange: Sendable, Equatable {
        /// The node's name: its stage ids joined with `+`.
        public let name: String
        /// What differs, in words (`1 → 4 copies`).
        public let details: [String]

        /// The change of node `name`, described by `details`.
        public init(name: String, details: [String]) {
            self.name = name
            self.details = details
        }
    }

    /// Stages only the new plan has, in its graph order.
    public let added: [String]
    /// Stages only the old plan has, in its graph order.
    public let removed: [String]
    /// Stages in both whose identity differs: drained and replaced.
    public let changed: [Change]
    /// Stages in both with the same identity: they keep running with their state.
    public let kept: [String]
    /// Kept stages written differently (`10s` for `10000ms`) that read to the same configuration.
    public let rewritten: [String]
    /// Nodes, by name, that only the new plan has: their queues are new.
    public let addedNodes: [String]
    /// Nodes, by name, that only the old plan has: their queues go.
    public let removedNodes: [String]
    /// Nodes holding the same stages in both plans with different copies or queues.
    public let changedNodes: [NodeChange]
    /// Nodes holding the same stages with the same copies and queues in both plans.
    public let keptNodes: [String]

    /// What replacing `old` with `new` changes.
    public init(from old: ExecutionPlan, to new: ExecutionPlan) {
        let oldById = Dictionary(uniqueKeysWithValues: old.graph.nodes.map { ($0.id, $0) })
        let newIds = Set(new.graph.nodes.map(\.id))
        var added: [String] = []
        var changed: [Change] = []
        var kept: [String] = []
        var rewritten: [String] = []
        for node in new.graph.nodes {
            guard let previous = oldById[node.id] else {
                added.append(node.id)
                continue
            }
            if previous.identity == node.identity {
                kept.append(node.id)
                if previous.optionsDigest != node.optionsDigest { rewritten.append(node.id) }
            } else {
                changed.append(Change(id: node.id, keys: Self.changedKeys(previous.options, node.options)))
            }
        }
        self.added = added
        self.changed = changed
        self.kept = kept
        self.rewritten = rewritten
        removed = old.graph.nodes.map(\.id).filter { !newIds.contains($0) }

        let oldNodes = Dictionary(old.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.nodes.map(\.name))
        var addedNodes: [String] = []
        var changedNodes: [NodeChange] = []
        var keptNodes: [String] = []
        for node in new.nodes {
            guard let previous = oldNodes[node.name] else {
                addedNodes.append(node.name)
                continue
            }
            var details: [String] = []
            if previous.copies != node.copies { details.append("\(previous.copies) → \(node.copies) copies") }
            if previous.spread != node.spread, node.copies > 1 { details.append("\(node.spread)") }
            if old.queueCapacity != new.queueCapacity {
                details.append("queues of \(old.queueCapacity) → \(new.queueCapacity) events")
            }
            if details.isEmpty {
                keptNodes.append(node.name)
            } else {
                changedNodes.append(NodeChange(name: node.name, details: details))
            }
        }
        self.addedNodes = addedNodes
        self.changedNodes = changedNodes
        self.keptNodes = keptNodes
        removedNodes = old.nodes.map(\.name).filter { !newNames.contains($0) }
    }

    /// True when no stage changes (then no node does either: how stages share nodes follows from them).
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Stage ids that stop running in their current form: removed and changed ones.
    public var retired: Set<String> { Set(removed).union(changed.map(\.id)) }

    /// The diff as text: one line per stage that changes, then the kept ones, then the nodes.
    public var description: String {
        guard !isEmpty else {
            let note =
                rewritten.isEmpty
                ? "" : " (written differently, same configuration: \(rewritten.joined(separator: ", ")))"
            return "no changes\(note)\n"
        }
        var lines: [String] = []
        for id in added { lines.append("+ \(id)  (added)") }
        for id in removed { lines.append("- \(id)  (removed; drained first)") }
        for change in changed {
            let keys = change.keys.isEmpty ? "" : ": " + change.keys.joined(separator: ", ")
            lines.append("~ \(change.id)  (changed\(keys); drained and replaced)")
        }
        if !kept.isEmpty { lines.append("= \(kept.joined(separator: ", "))  (kept, with their state)") }
        for name in addedNodes { lines.append("+ node \(name)  (new queue)") }
        for name in removedNodes { lines.append("- node \(name)  (queue removed)") }
        for change in changedNodes {
            lines.append("~ node \(change.name)  (\(change.details.joined(separator: "; ")))")
        }
        if !keptNodes.isEmpty { lines.append("= nodes \(keptNodes.joined(separator: ", "))  (same queues)") }
        return lines.joined(separator: "\n") + "\n"
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
