import SluiceCore

/// A 64-bit hash of a value that is the same in every process (Swift's `Hasher` is seeded per process), so
/// distinct-count estimates are reproducible. Equal values hash alike, with `Value`'s own equality: `1` and
/// `1.0` differ, `0.0` and `-0.0` do not.
enum ValueHash {
    static func hash(_ value: Value) -> UInt64 {
        switch value {
        case .null: return mix(0x6e75_6c6c)
        case .bool(let flag): return mix(flag ? 0x7472_7565 : 0x6661_6c73)
        case .int(let number): return mix(UInt64(bitPattern: number) ^ 0x696e_7400)
        case .double(let number): return mix((number == 0 ? 0 : number.bitPattern) ^ 0x646f_7562_6c65_0000)
        case .string(let text): return mix(fnv1a(text) ^ 0x7374_7200)
        case .array, .object: return mix(fnv1a(value.description) ^ 0x6a73_6f6e)
        }
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// MurmurHash3's 64-bit finalizer: every input bit affects every output bit, which HyperLogLog needs.
    private static func mix(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }
}
