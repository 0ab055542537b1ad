/// The 64-bit FNV-1a hash: stable across runs, unlike Swift's seeded `Hasher` (stage identities, the
/// running configuration's hash, a plugin's revision).
package struct FNV1a {
    package private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    package init() {}

    package mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        // A separator so "ab"+"c" and "a"+"bc" differ.
        value ^= 0xff
        value &*= 0x0000_0100_0000_01b3
    }

    /// The value as 16 hexadecimal digits.
    package var hex: String { hexadecimal(value) }
}

/// `value` as 16 hexadecimal digits.
package func hexadecimal(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}
