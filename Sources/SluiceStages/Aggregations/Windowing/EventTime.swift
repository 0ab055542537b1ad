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

/// Reads an event's time, in epoch milliseconds, from one field.
///
/// The field may hold an int or a double counting `unit`s since the Unix epoch (fractions of a millisecond are
/// rounded toward the past), a string of decimal digits read the same way (CSV input has no numbers), or an
/// RFC 3339 string. Anything else — absent, null, another type, a malformed string, a time out of range — has
/// no usable time.
public struct EventTimeField: Sendable, Hashable {
    /// Where the time is.
    public var path: FieldPath
    /// The unit of numeric times.
    public var unit: TimeUnit

    public init(path: FieldPath, unit: TimeUnit) {
        self.path = path
        self.unit = unit
    }

    /// The event's time in epoch milliseconds, or `nil` when it has none usable.
    public func milliseconds(of event: Event) -> Int64? {
        guard let value = event.value(at: path) else { return nil }
        return milliseconds(of: value)
    }

    /// The time `value` denotes in epoch milliseconds, or `nil`.
    public func milliseconds(of value: Value) -> Int64? {
        switch value {
        case .int(let count):
            let (product, overflow) = count.multipliedReportingOverflow(by: unit.millisecondsPerUnit)
            return overflow ? nil : product
        case .double(let count):
            let milliseconds = (count * Double(unit.millisecondsPerUnit)).rounded(.down)
            // The bounds are exactly representable doubles, so the conversion below cannot trap.
            guard milliseconds >= -9.2e18, milliseconds <= 9.2e18 else { return nil }
            return Int64(milliseconds)
        case .string(let text):
            if let count = Int64(text) { return milliseconds(of: .int(count)) }
            return RFC3339.milliseconds(text)
        default:
            return nil
        }
    }
}
