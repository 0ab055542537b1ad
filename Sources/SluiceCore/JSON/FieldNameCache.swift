#if canImport(Glibc)
    import Glibc
#endif

/// Maps the bytes of JSON object keys to interned `FieldName`s without interning (or allocating) on
/// the hot path.
///
/// Lines of one stream repeat the same keys in the same order, so the cache first compares the key with
/// the one seen at the same position (the n-th key of the document) last time: one `memcmp`. Keys that
/// moved are found in a dictionary; only a key never seen before reaches the process-wide table.
struct FieldNameCache {
    private struct Slot {
        var bytes: [UInt8]
        var name: FieldName
    }

    // Bounds keep a stream of ever-new keys from growing the cache without limit.
    private static let maximumPositions = 1024
    private static let maximumNames = 16 * 1024

    private var slots: [Slot] = []
    private var names: [String: FieldName] = [:]

    /// The field name spelled by `key` (valid UTF-8), the `position`-th key of the current document.
    mutating func name(for key: UnsafeRawBufferPointer, position: Int) -> FieldName {
        if position < slots.count {
            let matches = slots[position].bytes.withUnsafeBytes { cached in
                cached.count == key.count
                    && (key.count == 0 || memcmp(cached.baseAddress!, key.baseAddress!, key.count) == 0)
            }
            if matches { return slots[position].name }
        }
        let name = lookUp(key)
        if position < slots.count {
            slots[position] = Slot(bytes: Array(key), name: name)
        } else if position == slots.count && position < Self.maximumPositions {
            slots.append(Slot(bytes: Array(key), name: name))
        }
        return name
    }

    private mutating func lookUp(_ key: UnsafeRawBufferPointer) -> FieldName {
        let text = String(decoding: key, as: UTF8.self)
        if let name = names[text] { return name }
        if names.count >= Self.maximumNames { names.removeAll(keepingCapacity: true) }
        let name = FieldName(text)
        names[text] = name
        return name
    }
}
