import SluiceCore

/// Parses RFC 3339 timestamps (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.250+02:00`) into epoch milliseconds.
///
/// Works on UTF-8 bytes without allocating, so an aggregate can read a string time field per event. Accepted:
/// `YYYY-MM-DD`, then `T`, `t` or a space, then `hh:mm:ss`, an optional fraction (`.` and one or more digits;
/// digits beyond milliseconds are truncated toward the past), then `Z`, `z` or `±hh:mm`. Fields are range-checked
/// (day against the month's length, leap years included). A leap second (`:60`) is accepted and, as in Unix
/// time, counts as the first second of the next minute.
public enum RFC3339 {
    /// The epoch milliseconds `text` denotes, or `nil` when it is not an RFC 3339 date-time.
    public static func milliseconds(_ text: String) -> Int64? {
        if let result = text.utf8.withContiguousStorageIfAvailable({ milliseconds(utf8: $0) }) {
            return result
        }
        return Array(text.utf8).withUnsafeBufferPointer { milliseconds(utf8: $0) }
    }

    /// The epoch milliseconds the UTF-8 bytes denote, or `nil` when they are not an RFC 3339 date-time.
    public static func milliseconds(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var scanner = ByteScanner(bytes: bytes)
        guard let year = scanner.digits(4), scanner.skip("-"),
            let month = scanner.digits(2), scanner.skip("-"),
            let day = scanner.digits(2),
            scanner.skip(where: { $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") || $0 == UInt8(ascii: " ") }),
            let hour = scanner.digits(2), scanner.skip(":"),
            let minute = scanner.digits(2), scanner.skip(":"),
            let second = scanner.digits(2)
        else { return nil }
        guard (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }

        var millisecond: Int64 = 0
        if scanner.skip(".") {
            guard let fraction = scanner.fractionMilliseconds() else { return nil }
            millisecond = fraction
        }

        var offsetMinutes: Int64 = 0
        if !scanner.skip(where: { $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "z") }) {
            guard let sign = scanner.sign(), let offsetHour = scanner.digits(2), scanner.skip(":"),
                let offsetMinute = scanner.digits(2), offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        }
        guard scanner.isAtEnd else { return nil }

        let days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return seconds * 1_000 + millisecond
    }
}

/// A cursor over UTF-8 bytes with the few reads a timestamp needs.
private struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    /// Exactly `count` ASCII digits as a number.
    mutating func digits(_ count: Int) -> Int64? {
        guard bytes.count - position >= count else { return nil }
        var value: Int64 = 0
        for _ in 0..<count {
            guard let digit = digitValue(bytes[position]) else { return nil }
            value = value * 10 + digit
            position += 1
        }
        return value
    }

    /// One or more digits read as a fraction of a second, in whole milliseconds.
    mutating func fractionMilliseconds() -> Int64? {
        var value: Int64 = 0
        var count = 0
        while position < bytes.count, let digit = digitValue(bytes[position]) {
            if count < 3 { value = value * 10 + digit }
            count += 1
            position += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) { value *= 10 }
        return value
    }

    /// `+1` or `-1` for a sign byte.
    mutating func sign() -> Int64? {
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "+"):
            position += 1
            return 1
        case UInt8(ascii: "-"):
            position += 1
            return -1
        default: return nil
        }
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        skip(where: { $0 == UInt8(ascii: character) })
    }

    mutating func skip(where matches: (UInt8) -> Bool) -> Bool {
        guard position < bytes.count, matches(bytes[position]) else { return false }
        position += 1
        return true
    }

    private func digitValue(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }
}
