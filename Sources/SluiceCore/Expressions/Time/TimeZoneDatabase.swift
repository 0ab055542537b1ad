import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Time zones by name: `UTC`, fixed offsets (`+05:30`, `-0800`), and the names of the system's tz database
/// (`Europe/Berlin`), read from `$TZDIR` or `/usr/share/zoneinfo` (Debian's `tzdata`) on first use and
/// kept.
final class TimeZoneDatabase: Sendable {
    /// The database of this process.
    static let shared = TimeZoneDatabase(directory: TimeZoneDatabase.systemDirectory)

    /// The most zones kept; names met beyond that (from event data, say) are looked up every time.
    static let maximumCached = 1_024

    private let directory: String
    private let cache = Mutex<[String: ZoneRules?]>([:])

    init(directory: String) {
        self.directory = directory
    }

    private static var systemDirectory: String {
        guard let value = getenv("TZDIR"), value.pointee != 0 else { return "/usr/share/zoneinfo" }
        return String(cString: value)
    }

    /// The zone called `name`, or `nil` when there is none.
    func zone(named name: String) -> ZoneRules? {
        if let fixed = Self.fixedZone(name) { return fixed }
        guard Self.isZoneName(name) else { return nil }
        if let cached = cache.withLock({ $0[name] }) { return cached }
        let zone: ZoneRules?
        switch TextFile.readBytes("\(directory)/\(name)", limit: 1 << 20) {
        case .success(let bytes): zone = ZoneRules.parse(tzif: bytes, name: name)
        case .failure: zone = nil
        }
        cache.withLock { cache in
            if cache.count < Self.maximumCached { cache[name] = zone }
        }
        return zone
    }

    /// `UTC`, `Z`, `GMT`, or an offset `±hh`, `±hhmm` or `±hh:mm`.
    private static func fixedZone(_ name: String) -> ZoneRules? {
        if name == "UTC" || name == "Z" || name == "GMT" { return .utc }
        let scalars = Array(name.unicodeScalars)
        guard let sign = scalars.first, sign == "+" || sign == "-" else { return nil }
        let digits = scalars.dropFirst().filter { $0 != ":" }
        guard [2, 4].contains(digits.count), digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
            scalars.count == digits.count + 1 || (scalars.count == 6 && scalars[3] == ":")
        else { return nil }
        let values = digits.map { Int64($0.value - 48) }
        let hours = values[0] * 10 + values[1]
        let minutes = values.count == 4 ? values[2] * 10 + values[3] : 0
        guard hours <= 23, minutes <= 59 else { return nil }
        let offset = (sign == "-" ? -1 : 1) * (hours * 3_600 + minutes * 60)
        return .fixed(name: name, offset: offset, abbreviation: name)
    }

    /// True for names made of path components of letters, digits, `_`, `+` and `-`: nothing that could
    /// leave the database's folder.
    private static func isZoneName(_ name: String) -> Bool {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.isEmpty && name.utf8.count <= 255
            && components.allSatisfy { component in
                !component.isEmpty
                    && component.unicodeScalars.allSatisfy { scalar in
                        scalar.isASCII
                            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                                || scalar == "_" || scalar == "+" || scalar == "-")
                    }
            }
    }
}
