import SluiceCore

/// The functions an aggregate metric can call: `count()`, `sum(x)`, `avg(x)`, `min(x)`, `max(x)`.
///
/// Adding a function (percentiles, distinct counts, first/last) is a case here, its arity, and a case of
/// `Accumulator`.
public enum MetricFunction: String, Sendable, Hashable, CaseIterable {
    /// The number of events (that pass the metric's `where`).
    case count
    /// The sum of the numbers; an int while all are ints; 0 when there are none.
    case sum
    /// The mean of the numbers as a float; null when there are none.
    case avg
    /// The smallest number, in its own type; null when there are none.
    case min
    /// The largest number, in its own type; null when there are none.
    case max

    /// The number of arguments the function takes.
    public var arity: Int {
        switch self {
        case .count: return 0
        case .sum, .avg, .min, .max: return 1
        }
    }

    /// True for functions that read numbers (and skip other values).
    var needsNumbers: Bool { self != .count }

    /// A fresh accumulator for one window and group.
    var emptyAccumulator: Accumulator {
        switch self {
        case .count: return .count(0)
        case .sum: return .sum(NumericSum())
        case .avg: return .average(NumericSum(), count: 0)
        case .min: return .minimum(.null)
        case .max: return .maximum(.null)
        }
    }
}

/// The running state of one metric in one window and group, updated in place per event.
///
/// An enum rather than a protocol so that a window's accumulators live inline in one array and an update
/// is a switch, not a dynamic call or an allocation. Numeric functions skip values that are not numbers
/// (null, strings, ...): a missing or mistyped field does not poison the window's result.
enum Accumulator {
    /// Events counted.
    case count(Int64)
    /// The sum of the numbers seen; an int while every number was an int and the sum fits.
    case sum(NumericSum)
    /// The sum and count of the numbers seen; the average is a double, null when no number was seen.
    case average(NumericSum, count: Int64)
    /// The smallest number seen, of the type it was written in; null until a number is seen.
    case minimum(Value)
    /// The largest number seen, of the type it was written in; null until a number is seen.
    case maximum(Value)

    /// Takes one event's argument value into account (`count` ignores it).
    mutating func add(_ value: Value) {
        switch self {
        case .count(let count):
            self = .count(count + 1)
        case .sum(var sum):
            guard sum.add(value) else { return }
            self = .sum(sum)
        case .average(var sum, let count):
            guard sum.add(value) else { return }
            self = .average(sum, count: count + 1)
        case .minimum(let current):
            guard value.number != nil, current.isNull || NumericOrder.isLess(value, than: current) else { return }
            self = .minimum(value)
        case .maximum(let current):
            guard value.number != nil, current.isNull || NumericOrder.isLess(current, than: value) else { return }
            self = .maximum(value)
        }
    }

    /// The metric's value for the output event.
    var result: Value {
        switch self {
        case .count(let count): return .int(count)
        case .sum(let sum): return sum.value
        case .average(let sum, let count): return count == 0 ? .null : .double(sum.double / Double(count))
        case .minimum(let value), .maximum(let value): return value
        }
    }
}

/// A sum that stays an exact int while every addend is an int and the total fits, and becomes a double
/// from the first double (or overflow) on.
struct NumericSum {
    private var integer: Int64 = 0
    private var floating: Double = 0
    private var isFloating = false

    /// Adds `value` when it is a number; returns false (and changes nothing) otherwise.
    mutating func add(_ value: Value) -> Bool {
        switch value {
        case .int(let addend):
            if isFloating {
                floating += Double(addend)
            } else {
                let (total, overflow) = integer.addingReportingOverflow(addend)
                if overflow {
                    isFloating = true
                    floating = Double(integer) + Double(addend)
                } else {
                    integer = total
                }
            }
        case .double(let addend):
            if !isFloating {
                isFloating = true
                floating = Double(integer)
            }
            floating += addend
        default:
            return false
        }
        return true
    }

    /// The total as a double.
    var double: Double { isFloating ? floating : Double(integer) }

    /// The total as an int or a double.
    var value: Value { isFloating ? .double(floating) : .int(integer) }
}

/// Compares numbers exactly: two ints as ints, anything else as doubles.
enum NumericOrder {
    static func isLess(_ lhs: Value, than rhs: Value) -> Bool {
        if case .int(let l) = lhs, case .int(let r) = rhs { return l < r }
        guard let l = lhs.number, let r = rhs.number else { return false }
        return l < r
    }
}
