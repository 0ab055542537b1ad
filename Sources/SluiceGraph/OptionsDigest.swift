import SluiceCore

/// A stable 64-bit digest of a stage's mapping, ignoring positions and comments, so moving a stage
/// within the file or reformatting it does not count as a change.
enum OptionsDigest {
    static func of(_ node: ConfigNode) -> UInt64 {
        var hasher = FNV1a()
        feed(node, into: &hasher)
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

/// The 64-bit FNV-1a hash: stable across runs, unlike Swift's seeded `Hasher`.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        // A separator so "ab"+"c" and "a"+"bc" differ.
        value ^= 0xff
        value &*= 0x0000_0100_0000_01b3
    }
}
