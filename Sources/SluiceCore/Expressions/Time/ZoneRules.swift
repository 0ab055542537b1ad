/// The UTC offsets of one time zone over time, read from the system's tz database (a TZif file of
/// `/usr/share/zoneinfo`, RFC 8536) or fixed (`UTC`, `+05:30`).
///
/// Lookups never touch the process's `TZ` or the C library's time-zone state, so any number of threads
/// can convert at once.
struct ZoneRules: Sendable {
    /// One kind of local time: its offset east of UTC in seconds, whether it is daylight time, and its
    /// abbreviation (`CEST`).
    struct LocalTimeType: Sendable, Equatable {
        var offset: Int64
        var isDaylight: Bool
        var abbreviation: String
    }

    /// The zone's name as given (`Europe/Berlin`, `UTC`, `+05:30`).
    let name: String
    /// The instants (UTC seconds) at which the local time type changes, ascending.
    private let transitions: [Int64]
    /// The type in effect from each transition on.
    private let transitionTypes: [Int]
    private let types: [LocalTimeType]
    /// The rule for instants after the last transition (the TZif footer), if any.
    private let rule: POSIXZoneRule?

    static let utc = ZoneRules.fixed(name: "UTC", offset: 0, abbreviation: "UTC")

    /// A zone whose offset never changes.
    static func fixed(name: String, offset: Int64, abbreviation: String) -> ZoneRules {
        ZoneRules(
            name: name, transitions: [], transitionTypes: [],
            types: [LocalTimeType(offset: offset, isDaylight: false, abbreviation: abbreviation)], rule: nil)
    }

    /// The local time type in effect at `seconds` since the epoch (UTC).
    func localTimeType(atUTC seconds: Int64) -> LocalTimeType {
        guard let last = transitions.last else { return rule?.localTimeType(atUTC: seconds) ?? types[0] }
        if seconds >= last, let rule { return rule.localTimeType(atUTC: seconds) }
        // Before the first transition, RFC 8536 says type 0 applies.
        guard seconds >= transitions[0] else { return types[0] }
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return types[transitionTypes[low]]
    }

    /// The UTC seconds of the local time `local` (seconds since the epoch as if the zone were UTC). A local
    /// time that occurs twice (clocks set back) gives its first occurrence; one that never occurs (clocks
    /// set forward) is read with the offset in effect before the change, so it lands after the gap.
    func utcSeconds(fromLocal local: Int64) -> Int64 {
        // A local time can only have one of the offsets in effect around it; two days covers any change.
        let before = localTimeType(atUTC: local &- 172_800).offset
        let after = localTimeType(atUTC: local &+ 172_800).offset
        let candidates = [max(before, after), min(before, after)]
        for offset in candidates where localTimeType(atUTC: local &- offset).offset == offset {
            return local &- offset
        }
        return local &- before
    }

    /// Reads a TZif file (version 1, 2, 3 or 4); `nil` when the bytes are not one.
    static func parse(tzif bytes: [UInt8], name: String) -> ZoneRules? {
        var reader = TZifReader(bytes: bytes)
        guard let first = reader.header() else { return nil }
        // Version 2 and later repeat the data with 64-bit times after the version 1 block, then a footer.
        guard first.version >= 2 else { return reader.block(first, timeSize: 4, name: name, footer: nil) }
        guard reader.skip(first.dataSize(timeSize: 4)), let second = reader.header() else { return nil }
        let start = reader.position
        guard reader.skip(second.dataSize(timeSize: 8)) else { return nil }
        let footer = reader.footer()
        reader.position = start
        return reader.block(second, timeSize: 8, name: name, footer: footer)
    }

    fileprivate init(
        name: String, transitions: [Int64], transitionTypes: [Int], types: [LocalTimeType], rule: POSIXZoneRule?
    ) {
        self.name = name
        self.transitions = transitions
        self.transitionTypes = transitionTypes
        self.types = types
        self.rule = rule
    }
}

/// A cursor over the bytes of a TZif file.
private struct TZifReader {
    let bytes: [UInt8]
    var position = 0

    /// The counts of a TZif header.
    struct Header {
        var version: Int
        var utIndicators, standardIndicators, leapSeconds, transitions, types, characters: Int

        func dataSize(timeSize: Int) -> Int {
            transitions * timeSize + transitions + types * 6 + characters + leapSeconds * (timeSize + 4)
                + standardIndicators + utIndicators
        }
    }

    mutating func header() -> Header? {
        guard position + 44 <= bytes.count, bytes[position..<position + 4].elementsEqual("TZif".utf8) else {
            return nil
        }
        let versionByte = bytes[position + 4]
        let version = versionByte == 0 ? 1 : Int(versionByte) - Int(UInt8(ascii: "0"))
        position += 20
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(integer(size: 4))) }
        guard version >= 1, counts.allSatisfy({ $0 >= 0 && $0 < 1_000_000 }), counts[4] > 0 else { return nil }
        return Header(
            version: version, utIndicators: counts[0], standardIndicators: counts[1], leapSeconds: counts[2],
            transitions: counts[3], types: counts[4], characters: counts[5])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard position + count <= bytes.count else { return false }
        position += count
        return true
    }

    /// A big-endian signed integer of `size` bytes (4 or 8); the caller has checked the bytes are there.
    mutating func integer(size: Int) -> Int64 {
        var value: UInt64 = 0
        for offset in 0..<size { value = value << 8 | UInt64(bytes[position + offset]) }
        position += size
        if size == 4 { return Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: value))) }
        return Int64(bitPattern: value)
    }

    /// The zone described by the data block after `header`.
    mutating func block(_ header: Header, timeSize: Int, name: String, footer: POSIXZoneRule?) -> ZoneRules? {
        guard position + header.dataSize(timeSize: timeSize) <= bytes.count else { return nil }
        var transitions: [Int64] = []
        for _ in 0..<header.transitions { transitions.append(integer(size: timeSize)) }
        var indices: [Int] = []
        for _ in 0..<header.transitions {
            indices.append(Int(bytes[position]))
            position += 1
        }
        var rawTypes: [(offset: Int64, isDaylight: Bool, abbreviationIndex: Int)] = []
        for _ in 0..<header.types {
            let offset = integer(size: 4)
            rawTypes.append((offset, bytes[position] != 0, Int(bytes[position + 1])))
            position += 2
        }
        let characters = bytes[position..<position + header.characters]
        guard indices.allSatisfy({ $0 < header.types }), zip(transitions, transitions.dropFirst()).allSatisfy(<)
        else { return nil }
        let types = rawTypes.map { type in
            let start = min(characters.startIndex + type.abbreviationIndex, characters.endIndex)
            let end = characters[start...].firstIndex(of: 0) ?? characters.endIndex
            return ZoneRules.LocalTimeType(
                offset: type.offset, isDaylight: type.isDaylight,
                abbreviation: String(decoding: characters[start..<end], as: UTF8.self))
        }
        return ZoneRules(name: name, transitions: transitions, transitionTypes: indices, types: types, rule: footer)
    }

    /// The POSIX TZ string between newlines at the end of a version 2+ file, if it holds a rule.
    func footer() -> POSIXZoneRule? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\n") else { return nil }
        let rest = bytes[(position + 1)...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\n")), end > rest.startIndex else { return nil }
        return POSIXZoneRule(String(decoding: rest[..<end], as: UTF8.self))
    }
}
