import SluiceCore

/// The unit of a numeric event time: `time_unit: ms | s`.
public enum TimeUnit: String, Sendable, Hashable, CaseIterable {
    /// Epoch milliseconds (the default).
    case milliseconds = "ms"
    /// Epoch seconds, possibly fractional.
    case seconds = "s"

    var millisecondsPerUnit: Int64 {
        switch self {
        case .milliseconds: return 1
        case .seconds: return 1_000
        }
    }
}

/// What an event's time field holds: a usable time, nothing usable, or a time outside `EventTime.range`.
public enum EventTimeReading: Sendable, Equatable {
    /// A time in epoch milliseconds, inside `EventTime.range`.
    case time(Int64)
    /// No time: the field is absent or null, or holds another type or a string that is not a time.
    case missing
    /// A number (or digit string) that is a time but cannot be windowed: outside `EventTime.range`, or not
    /// finite.
    case outOfRange
}

/// The event times an aggregate can window, and the longest window length (size, slide, gap, lateness,
/// retention) it accepts.
///
/// The range is ECMAScript's time range, ±8.64e15 ms (±100,000,000 days: the years −271821 to 275760), a bound
/// users may know from JavaScript's `Date`. Keeping times and lengths inside it means window arithmetic (a time
/// floored to a window, plus or minus a few lengths) cannot overflow `Int64`.
public enum EventTime {
    /// The largest magnitude of an event time, in epoch milliseconds.
    public static let limit: Int64 = 8_640_000_000_000_000
    /// The event times an aggregate accepts, in epoch milliseconds.
    public static let range: ClosedRange<Int64> = -limit...limit
    /// The longest duration a window option may have, in milliseconds.
    public static let maximumLength: Int64 = limit
}

/// Reads an event's time, in epoch milliseconds, from one field.
///
/// The field may hold an int or a double counting `unit`s since the Unix epoch (fractions of a millisecond are
/// rounded toward the past), a string of decimal digits read the same way (CSV input has no numbers), or an
/// RFC 3339 string. Anything else — absent, null, another type, a malformed string — has no usable time; a
/// number outside `EventTime.range` (or not finite) is a time that cannot be windowed.
public struct EventTimeField: Sendable, Hashable {
    /// Where the time is.
    public var path: FieldPath
    /// The unit of numeric times.
    public var unit: TimeUnit

    public init(path: FieldPath, unit: TimeUnit) {
        self.path = path
        self.unit = unit
    }

    /// The event's time in epoch milliseconds, or why it has none.
    public func reading(of event: Event) -> EventTimeReading {
        guard let value = event.value(at: path) else { return .missing }
        return reading(of: value)
    }

    /// The time `value` denotes in epoch milliseconds, or why it denotes none.
    public func reading(of value: Value) -> EventTimeReading {
        switch value {
        case .int(let count):
            let (product, overflow) = count.multipliedReportingOverflow(by: unit.millisecondsPerUnit)
            return !overflow && EventTime.range.contains(product) ? .time(product) : .outOfRange
        case .double(let count):
            let milliseconds = (count * Double(unit.millisecondsPerUnit)).rounded(.down)
            // The limit is an exactly representable double, so the conversion below cannot trap; NaN fails too.
            guard milliseconds >= -Double(EventTime.limit), milliseconds <= Double(EventTime.limit) else {
                return .outOfRange
            }
            return .time(Int64(milliseconds))
        case .string(let text):
            if let count = Int64(text) { return reading(of: .int(count)) }
            let digits = text.utf8.drop { $0 == UInt8(ascii: "-") }
            if !digits.isEmpty, text.utf8.count - digits.count <= 1,
                digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            {
                return .outOfRange
            }
            // RFC 3339 has four-digit years, always inside the range.
            return RFC3339.milliseconds(text).map(EventTimeReading.time) ?? .missing
        default:
            return .missing
        }
    }
}
