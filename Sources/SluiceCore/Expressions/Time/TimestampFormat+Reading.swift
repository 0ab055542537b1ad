extension TimestampFormat {
    /// The epoch milliseconds `text` denotes, read in `zone` unless it carries its own offset (`%z`) or is
    /// seconds since the epoch (`%s`); `nil` when it does not match the format or names no valid time.
    /// Without a year (`Nov 14 17:13:20`, as syslog writes), the year is the one of `now` in the zone, or
    /// the one before when that would put the time more than a day after `now` (December logs read in
    /// January).
    func milliseconds(from text: String, zone: ZoneRules, now: () -> Int64) -> Int64? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = TimestampReader(bytes: bytes)
            for item in items {
                guard reader.read(item) else { return nil }
            }
            guard reader.position == bytes.count else { return nil }
            var fields = reader.fields
            guard fields.year == nil, fields.epochSeconds == nil else { return fields.milliseconds(zone: zone) }
            let now = now()
            let nowSeconds = CivilCalendar.floorDivide(now, by: 1_000).quotient
            let localDays = CivilCalendar.floorDivide(
                nowSeconds &+ zone.localTimeType(atUTC: nowSeconds).offset, by: 86_400
            ).quotient
            let year = CivilCalendar.date(daysSinceEpoch: localDays).year
            fields.year = year
            guard let thisYear = fields.milliseconds(zone: zone), thisYear > now &+ 86_400_000 else {
                return fields.milliseconds(zone: zone)
            }
            fields.year = year - 1
            return fields.milliseconds(zone: zone)
        }
    }
}

/// The parts of a timestamp read so far; fields the format lacks are January 1, 00:00:00.000 (the year
/// is chosen by the caller).
struct TimestampFields {
    var year: Int64?
    var month: Int64?
    var day: Int64?
    var dayOfYear: Int64?
    var hour: Int64 = 0
    var hour12: Int64?
    var isPM: Bool?
    var minute: Int64 = 0
    var second: Int64 = 0
    var millisecond: Int64 = 0
    var offset: Int64?
    var epochSeconds: Int64?

    /// The epoch milliseconds these fields denote in `zone`; `nil` when they name no valid time.
    func milliseconds(zone: ZoneRules) -> Int64? {
        if let epochSeconds {
            let (scaled, overflow) = epochSeconds.multipliedReportingOverflow(by: 1_000)
            guard !overflow else { return nil }
            return scaled.addingReportingOverflow(millisecond).overflow ? nil : scaled + millisecond
        }
        guard let year else { return nil }
        var hour = self.hour
        if let hour12 {
            guard (1...12).contains(hour12) else { return nil }
            hour = hour12 % 12 + (isPM == true ? 12 : 0)
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        let days: Int64
        if let dayOfYear, month == nil, day == nil {
            guard (1...(CivilCalendar.isLeapYear(year) ? 366 : 365)).contains(dayOfYear) else { return nil }
            days = CivilCalendar.daysSinceEpoch(year: year, month: 1, day: 1) + dayOfYear - 1
        } else {
            let (month, day) = (self.month ?? 1, self.day ?? 1)
            guard (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day)
            else { return nil }
            days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)
        }
        let local = days * 86_400 + hour * 3_600 + minute * 60 + second
        let utc = offset.map { local - $0 } ?? zone.utcSeconds(fromLocal: local)
        return utc * 1_000 + millisecond
    }
}

/// Reads the items of a format from UTF-8 bytes into `TimestampFields`.
private struct TimestampReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var fields = TimestampFields()

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads `item` at the position; false when the text does not fit it.
    mutating func read(_ item: TimestampFormat.Item) -> Bool {
        switch item {
        case .literal(let byte):
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
        case .whitespace:
            while position < bytes.count, TimestampFormat.isWhitespace(bytes[position]) { position += 1 }
        case .year:
            guard let year = number(maximumDigits: 4) else { return false }
            fields.year = year
        case .shortYear:
            guard let year = number(maximumDigits: 2) else { return false }
            fields.year = year < 69 ? 2000 + year : 1900 + year
        case .month: return store(number(maximumDigits: 2), \.month)
        case .day: return store(number(maximumDigits: 2), \.day)
        case .spaceDay:
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
            return store(number(maximumDigits: 2), \.day)
        case .dayOfYear: return store(number(maximumDigits: 3), \.dayOfYear)
        case .hour: return store(number(maximumDigits: 2), \.hour)
        case .hour12: return store(number(maximumDigits: 2), \.hour12)
        case .minute: return store(number(maximumDigits: 2), \.minute)
        case .second: return store(number(maximumDigits: 2), \.second)
        case .fraction: return readFraction()
        case .optionalFraction:
            guard position < bytes.count, bytes[position] == UInt8(ascii: ".") else { return true }
            position += 1
            return readFraction()
        case .amPm:
            guard let index = name(among: ["AM", "PM"]) else { return false }
            fields.isPM = index == 1
        case .monthName:
            let names = TimestampFormat.monthNames
            guard let index = name(among: names + names.map { String($0.prefix(3)) }) else { return false }
            fields.month = Int64(index % 12 + 1)
        case .weekdayName:
            let names = TimestampFormat.weekdayNames
            return name(among: names + names.map { String($0.prefix(3)) }) != nil
        case .isoWeekday, .weekday:
            return number(maximumDigits: 1) != nil
        case .offset: return readOffset()
        case .zoneName:
            let start = position
            while position < bytes.count, Self.isLetter(bytes[position]) { position += 1 }
            guard position > start else { return false }
            let name = String(decoding: bytes[start..<position], as: UTF8.self).uppercased()
            if ["UTC", "GMT", "Z"].contains(name), fields.offset == nil { fields.offset = 0 }
        case .epochSeconds:
            let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            guard let seconds = number(maximumDigits: 18) else { return false }
            fields.epochSeconds = negative ? -seconds : seconds
        }
        return true
    }

    private mutating func store(_ value: Int64?, _ field: WritableKeyPath<TimestampFields, Int64>) -> Bool {
        guard let value else { return false }
        fields[keyPath: field] = value
        return true
    }

    private mutating func store(_ value: Int64?, _ field: WritableKeyPath<TimestampFields, Int64?>) -> Bool {
        guard let value else { return false }
        fields[keyPath: field] = value
        return true
    }

    /// 1 to `maximumDigits` decimal digits.
    private mutating func number(maximumDigits: Int) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        while digits < maximumDigits, position < bytes.count, let digit = Self.digit(bytes[position]) {
            value = value * 10 + digit
            digits += 1
            position += 1
        }
        return digits > 0 ? value : nil
    }

    /// 1 to 9 digits of a fraction of a second, kept to the millisecond (later digits truncated).
    private mutating func readFraction() -> Bool {
        var millisecond: Int64 = 0
        var digits = 0
        while digits < 9, position < bytes.count, let digit = Self.digit(bytes[position]) {
            if digits < 3 { millisecond = millisecond * 10 + digit }
            digits += 1
            position += 1
        }
        guard digits > 0 else { return false }
        for _ in digits..<max(digits, 3) { millisecond *= 10 }
        fields.millisecond = millisecond
        return true
    }

    /// `Z`, or a sign and `hh`, `hhmm` or `hh:mm`.
    private mutating func readOffset() -> Bool {
        guard position < bytes.count else { return false }
        if bytes[position] == UInt8(ascii: "Z") || bytes[position] == UInt8(ascii: "z") {
            position += 1
            fields.offset = 0
            return true
        }
        let sign: Int64
        switch bytes[position] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return false
        }
        position += 1
        guard let hours = fixedDigits(2), hours <= 23 else { return false }
        var minutes: Int64 = 0
        let colon = position < bytes.count && bytes[position] == UInt8(ascii: ":")
        if colon { position += 1 }
        if colon || (position < bytes.count && Self.digit(bytes[position]) != nil) {
            guard let value = fixedDigits(2), value <= 59 else { return false }
            minutes = value
        }
        fields.offset = sign * (hours * 3_600 + minutes * 60)
        return true
    }

    private mutating func fixedDigits(_ count: Int) -> Int64? {
        let start = position
        guard let value = number(maximumDigits: count), position - start == count else { return nil }
        return value
    }

    /// The index of the longest of `names` that the text continues with, ignoring ASCII case.
    private mutating func name(among names: [String]) -> Int? {
        var best: (index: Int, length: Int)?
        for (index, name) in names.enumerated() {
            let utf8 = Array(name.utf8)
            guard position + utf8.count <= bytes.count, utf8.count > (best?.length ?? 0) else { continue }
            let matches = utf8.indices.allSatisfy { Self.lowercase(bytes[position + $0]) == Self.lowercase(utf8[$0]) }
            if matches { best = (index, utf8.count) }
        }
        guard let best else { return nil }
        position += best.length
        return best.index
    }

    private static func digit(_ byte: UInt8) -> Int64? {
        byte >= 0x30 && byte <= 0x39 ? Int64(byte - 0x30) : nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }
}
