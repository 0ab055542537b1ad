import SluiceCore

/// A stable 64-bit digest of a stage's mapping, ignoring positions and comments, so moving a stage
/// within the file or reformatting it does not count as a change.
enum OptionsDigest {
    /// The digest of `node`, and of the stage type's `revision` when it has one (a plugin's files).
    static func of(_ node: ConfigNode, revision: String = "") -> UInt64 {
        var hasher = FNV1a()
        feed(node, into: &hasher)
        if !revision.isEmpty { hasher.add(revision) }
        return hasher.value
    }

    private static func feed(_ node: ConfigNode, into hasher: inout FNV1a) {
        switch node.content {
        case .scalar(let text, let quoted):
            hasher.add(quoted ? "q" : "s")
            hasher.add(text)
        case .list(let items):
            hasher.add("[\(items.count)")
            for item in items { feed(item, into: &hasher) }
        case .map(let entries):
            hasher.add("{\(entries.count)")
            for entry in entries.sorted(by: { $0.key < $1.key }) {
                hasher.add(entry.key)
                feed(entry.value, into: &hasher)
            }
        }
    }
}
