/// A POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3` (POSIX.1 and RFC 8536's extensions): standard
/// time, and optionally daylight time with the yearly dates it starts and ends. TZif files end with one,
/// for instants after their last transition.
struct POSIXZoneRule: Sendable {
    /// A yearly date: `Jn` (day 1–365, February 29 never counted), `n` (day 0–365) or `Mm.w.d` (weekday `d`,
    /// 0 = Sunday, of week `w` of month `m`, week 5 meaning the last).
    enum Day: Sendable, Equatable {
        case julianNoLeap(Int64)
        case zeroBased(Int64)
        case monthWeekDay(month: Int64, week: Int64, weekday: Int64)
    }

    /// A change: the date and the local time of day (seconds, may be negative or beyond a day).
    struct Change: Sendable, Equatable {
        var day: Day
        var time: Int64
    }

    let standard: ZoneRules.LocalTimeType
    let daylight: (type: ZoneRules.LocalTimeType, start: Change, end: Change)?

    /// Parses a TZ string; `nil` when it is not one.
    init?(_ text: String) {
        var scanner = Substring(text).unicodeScalars[...]
        guard let standardName = Self.name(&scanner), let standardOffset = Self.offset(&scanner) else { return nil }
        standard = ZoneRules.LocalTimeType(offset: -standardOffset, isDaylight: false, abbreviation: standardName)
        guard !scanner.isEmpty else {
            daylight = nil
            return
        }
        guard let daylightName = Self.name(&scanner) else { return nil }
        var daylightOffset = -standardOffset + 3_600
        if let first = scanner.first, first != "," {
            guard let offset = Self.offset(&scanner) else { return nil }
            daylightOffset = -offset
        }
        // Without dates, POSIX leaves the rule to the implementation; the tz code uses the US rule.
        var start = Change(day: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7_200)
        var end = Change(day: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7_200)
        if !scanner.isEmpty {
            guard scanner.popFirst() == ",", let first = Self.change(&scanner), scanner.popFirst() == ",",
                let second = Self.change(&scanner), scanner.isEmpty
            else { return nil }
            (start, end) = (first, second)
        }
        daylight = (
            ZoneRules.LocalTimeType(offset: daylightOffset, isDaylight: true, abbreviation: daylightName), start, end
        )
    }

    /// The local time type at `seconds` since the epoch (UTC).
    func localTimeType(atUTC seconds: Int64) -> ZoneRules.LocalTimeType {
        guard let daylight else { return standard }
        let localDays = CivilCalendar.floorDivide(seconds &+ standard.offset, by: 86_400).quotient
        let year = CivilCalendar.date(daysSinceEpoch: localDays).year
        // The start is written in standard time, the end in daylight time.
        let start = instant(of: daylight.start, in: year) - standard.offset
        let end = instant(of: daylight.end, in: year) - daylight.type.offset
        let inDaylight = start < end ? (start <= seconds && seconds < end) : !(end <= seconds && seconds < start)
        return inDaylight ? daylight.type : standard
    }

    /// The local seconds since the epoch of `change` in `year`.
    private func instant(of change: Change, in year: Int64) -> Int64 {
        let january1 = CivilCalendar.daysSinceEpoch(year: year, month: 1, day: 1)
        let day: Int64
        switch change.day {
        case .zeroBased(let n):
            day = january1 + n
        case .julianNoLeap(let n):
            day = january1 + n - 1 + (CivilCalendar.isLeapYear(year) && n >= 60 ? 1 : 0)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilCalendar.daysSinceEpoch(year: year, month: month, day: 1)
            var date = first + (weekday - CivilCalendar.weekday(daysSinceEpoch: first) + 7) % 7 + (week - 1) * 7
            let length = CivilCalendar.daysInMonth(year: year, month: month)
            while date >= first + length { date -= 7 }
            day = date
        }
        return day * 86_400 + change.time
    }

    /// A zone abbreviation: letters, or anything but `>` in angle brackets (`<+0330>`).
    private static func name(_ scanner: inout Substring.UnicodeScalarView.SubSequence) -> String? {
        var name = String.UnicodeScalarView()
        if scanner.first == "<" {
            scanner.removeFirst()
            while let scalar = scanner.popFirst() {
                if scalar == ">" { return name.count >= 3 ? String(name) : nil }
                name.append(scalar)
            }
            return nil
        }
        while let scalar = scanner.first, scalar.properties.isAlphabetic, scalar.isASCII {
            name.append(scalar)
            scanner.removeFirst()
        }
        return name.count >= 3 ? String(name) : nil
    }

    /// `[+-]hh[:mm[:ss]]` in seconds (hours up to 167, RFC 8536's extension).
    private static func offset(_ scanner: inout Substring.UnicodeScalarView.SubSequence) -> Int64? {
        var sign: Int64 = 1
        if scanner.first == "+" || scanner.first == "-" { sign = scanner.popFirst() == "-" ? -1 : 1 }
        guard let hours = number(&scanner, maximum: 167) else { return nil }
        var seconds = hours * 3_600
        for unit: Int64 in [60, 1] {
            guard scanner.first == ":" else { break }
            scanner.removeFirst()
            guard let value = number(&scanner, maximum: 59) else { return nil }
            seconds += value * unit
        }
        return sign * seconds
    }

    /// `date[/time]`.
    private static func change(_ scanner: inout Substring.UnicodeScalarView.SubSequence) -> Change? {
        let day: Day
        switch scanner.first {
        case "J":
            scanner.removeFirst()
            guard let n = number(&scanner, maximum: 365), n >= 1 else { return nil }
            day = .julianNoLeap(n)
        case "M":
            scanner.removeFirst()
            guard let month = number(&scanner, maximum: 12), month >= 1, scanner.popFirst() == ".",
                let week = number(&scanner, maximum: 5), week >= 1, scanner.popFirst() == ".",
                let weekday = number(&scanner, maximum: 6)
            else { return nil }
            day = .monthWeekDay(month: month, week: week, weekday: weekday)
        default:
            guard let n = number(&scanner, maximum: 365) else { return nil }
            day = .zeroBased(n)
        }
        guard scanner.first == "/" else { return Change(day: day, time: 7_200) }
        scanner.removeFirst()
        guard let time = offset(&scanner) else { return nil }
        return Change(day: day, time: time)
    }

    private static func number(_ scanner: inout Substring.UnicodeScalarView.SubSequence, maximum: Int64) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        while let scalar = scanner.first, scalar >= "0", scalar <= "9", digits < 4 {
            value = value * 10 + Int64(scalar.value - 48)
            digits += 1
            scanner.removeFirst()
        }
        return digits > 0 && value <= maximum ? value : nil
    }
}
