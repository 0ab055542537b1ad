extension TimestampFormat {
    /// The time `milliseconds` since the epoch written in `zone`; `nil` outside the years 0–9999.
    func text(milliseconds: Int64, zone: ZoneRules) -> String? {
        let (seconds, millisecond) = CivilCalendar.floorDivide(milliseconds, by: 1_000)
        let type = zone.localTimeType(atUTC: seconds)
        let (days, secondOfDay) = CivilCalendar.floorDivide(seconds &+ type.offset, by: 86_400)
        let date = CivilCalendar.date(daysSinceEpoch: days)
        guard (0...9999).contains(date.year) else { return nil }
        let hour = secondOfDay / 3_600
        let weekday = CivilCalendar.weekday(daysSinceEpoch: days)
        var out = ""
        for item in items {
            switch item {
            case .literal(let byte): out.unicodeScalars.append(Unicode.Scalar(byte))
            case .whitespace: out += " "
            case .year: out += Self.padded(date.year, 4)
            case .shortYear: out += Self.padded(date.year % 100, 2)
            case .month: out += Self.padded(date.month, 2)
            case .day: out += Self.padded(date.day, 2)
            case .spaceDay: out += date.day < 10 ? " \(date.day)" : "\(date.day)"
            case .dayOfYear:
                out += Self.padded(days - CivilCalendar.daysSinceEpoch(year: date.year, month: 1, day: 1) + 1, 3)
            case .hour: out += Self.padded(hour, 2)
            case .hour12: out += Self.padded(hour % 12 == 0 ? 12 : hour % 12, 2)
            case .amPm: out += hour < 12 ? "AM" : "PM"
            case .minute: out += Self.padded(secondOfDay / 60 % 60, 2)
            case .second: out += Self.padded(secondOfDay % 60, 2)
            case .fraction: out += Self.padded(millisecond, 3)
            case .optionalFraction: out += "." + Self.padded(millisecond, 3)
            case .monthName(let full):
                let name = Self.monthNames[Int(date.month) - 1]
                out += full ? name : String(name.prefix(3))
            case .weekdayName(let full):
                let name = Self.weekdayNames[Int(weekday)]
                out += full ? name : String(name.prefix(3))
            case .isoWeekday: out += String(weekday == 0 ? 7 : weekday)
            case .weekday: out += String(weekday)
            case .offset(let colon):
                let minutes = abs(type.offset) / 60
                out +=
                    (type.offset < 0 ? "-" : "+") + Self.padded(minutes / 60, 2) + (colon ? ":" : "")
                    + Self.padded(minutes % 60, 2)
            case .zoneName: out += type.abbreviation
            case .epochSeconds: out += String(seconds)
            }
        }
        return out
    }

    /// `value` (≥ 0) with leading zeros to `width` digits.
    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
