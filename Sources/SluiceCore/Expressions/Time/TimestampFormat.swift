/// A strptime/strftime-style format (`%Y-%m-%d %H:%M:%S`), parsed once when the pipeline compiles, that
/// reads and writes timestamps in a time zone.
///
/// Directives: `%Y` year (4 digits), `%y` (2 digits: 69–99 are 1969–1999, 00–68 2000–2068), `%m` month,
/// `%d` day, `%e` day padded with a space, `%j` day of the year, `%H` hour (00–23), `%I` hour (01–12) with
/// `%p` (AM/PM), `%M` minute, `%S` second (60 is accepted as a leap second), `%f` fraction of a second (reads
/// 1–9 digits, writes milliseconds), `%.f` an optional `.` and fraction (writes `.` and milliseconds),
/// `%b`/`%h` and `%B` month name, `%a` and `%A` weekday name (read and ignored), `%u` weekday 1–7 from
/// Monday, `%w` weekday 0–6 from Sunday, `%z` UTC offset (`+0200`; reads `Z`, `+02`, `+0200`, `+02:00`),
/// `%:z` UTC offset as `+02:00`, `%Z` zone abbreviation (reads `UTC`, `GMT` or `Z` as offset 0, skips any
/// other), `%s` seconds since the epoch, `%T` = `%H:%M:%S`, `%F` = `%Y-%m-%d`, `%D` = `%m/%d/%y`, `%R` =
/// `%H:%M`, `%n` and `%t` whitespace, `%%` a percent sign. Whitespace in the format matches any run of
/// whitespace, including none; every other character matches itself. The whole text must match. Years
/// are 0–9999.
struct TimestampFormat: Sendable {
    /// One piece of a format.
    enum Item: Sendable, Equatable {
        case literal(UInt8)
        case whitespace
        case year, shortYear, month, day, spaceDay, dayOfYear, hour, hour12, amPm, minute, second
        case fraction, optionalFraction
        case monthName(full: Bool)
        case weekdayName(full: Bool)
        case isoWeekday, weekday
        case offset(colon: Bool)
        case zoneName
        case epochSeconds
    }

    /// Why a format did not parse.
    struct Problem: Error {
        var message: String
    }

    let items: [Item]

    static func parse(_ format: String) -> Result<TimestampFormat, Problem> {
        var items: [Item] = []
        var bytes = Array(format.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                items.append(isWhitespace(byte) ? .whitespace : .literal(byte))
                continue
            }
            guard let code = bytes.popFirst() else {
                return .failure(Problem(message: "the format ends with '%'; write %% for a percent sign"))
            }
            if code == UInt8(ascii: ".") || code == UInt8(ascii: ":") {
                let expected = code == UInt8(ascii: ".") ? UInt8(ascii: "f") : UInt8(ascii: "z")
                guard bytes.popFirst() == expected else {
                    return .failure(Problem(message: "unknown directive in the format; '%.' must be '%.f', '%:' '%:z'"))
                }
                items.append(code == UInt8(ascii: ".") ? .optionalFraction : .offset(colon: true))
                continue
            }
            guard let expansion = directives[Unicode.Scalar(code)] else {
                let spelling = Unicode.Scalar(code).isASCII ? "%\(Unicode.Scalar(code))" : "%"
                return .failure(
                    Problem(message: "unknown directive '\(spelling)' in the format (docs/expressions.md lists them)"))
            }
            items.append(contentsOf: expansion)
        }
        return .success(TimestampFormat(items: items))
    }

    private static let directives: [Unicode.Scalar: [Item]] = [
        "Y": [.year], "y": [.shortYear], "m": [.month], "d": [.day], "e": [.spaceDay], "j": [.dayOfYear],
        "H": [.hour], "I": [.hour12], "p": [.amPm], "M": [.minute], "S": [.second], "f": [.fraction],
        "b": [.monthName(full: false)], "h": [.monthName(full: false)], "B": [.monthName(full: true)],
        "a": [.weekdayName(full: false)], "A": [.weekdayName(full: true)], "u": [.isoWeekday], "w": [.weekday],
        "z": [.offset(colon: false)], "Z": [.zoneName], "s": [.epochSeconds],
        "T": [.hour, .literal(UInt8(ascii: ":")), .minute, .literal(UInt8(ascii: ":")), .second],
        "F": [.year, .literal(UInt8(ascii: "-")), .month, .literal(UInt8(ascii: "-")), .day],
        "D": [.month, .literal(UInt8(ascii: "/")), .day, .literal(UInt8(ascii: "/")), .shortYear],
        "R": [.hour, .literal(UInt8(ascii: ":")), .minute],
        "n": [.whitespace], "t": [.whitespace], "%": [.literal(UInt8(ascii: "%"))],
    ]

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]
    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
