import SluiceCore

/// The functions an aggregate metric can call, such as `count()`, `sum(x)` or `percentile(x, 0.99)`.
///
/// Adding a function is a case here, its arity, and a case of `Accumulator`. docs/aggregations.md describes
/// each one, with the error bounds of the estimated ones.
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
    /// The sample standard deviation of the numbers; null for fewer than two.
    case stddev
    /// The sample variance of the numbers; null for fewer than two.
    case variance
    /// The non-null value of the earliest event by event time (then by arrival).
    case first
    /// The non-null value of the latest event by event time (then by arrival).
    case last
    /// The number of distinct non-null values: exact up to `distinct_exact_limit`, then estimated.
    case countDistinct = "count_distinct"
    /// The `q`-quantile of the numbers (`percentile(x, q)`, q in [0, 1]), within 1 % relative error.
    case percentile
    /// `percentile(x, 0.5)`.
    case median
    /// The `k` most frequent non-null values with their counts (`top_k(x, k)`).
    case topK = "top_k"

    /// The number of arguments the function takes.
    public var arity: Int {
        switch self {
        case .count: return 0
        case .percentile, .topK: return 2
        default: return 1
        }
    }

    /// True for functions that read numbers (and skip other values).
    var needsNumbers: Bool {
        switch self {
        case .count, .first, .last, .countDistinct, .topK: return false
        default: return true
        }
    }

    /// An empty accumulator; `parameter` is `q` or `k` for functions with a second argument.
    func emptyAccumulator(parameter: Double?, distinctExactLimit: Int) -> Accumulator {
        switch self {
        case .count: return .count(0)
        case .sum: return .sum(NumericSum())
        case .avg: return .average(NumericSum(), count: 0)
        case .min: return .minimum(.null)
        case .max: return .maximum(.null)
        case .stddev: return .standardDeviation(Moments())
        case .variance: return .variance(Moments())
        case .first: return .first(nil)
        case .last: return .last(nil)
        case .countDistinct: return .distinct(DistinctCounter(exactLimit: distinctExactLimit))
        case .percentile: return .quantile(QuantileSketch(), q: parameter ?? 0.5)
        case .median: return .quantile(QuantileSketch(), q: 0.5)
        case .topK: return .frequent(FrequentValues(k: Int(parameter ?? 1)))
        }
    }
}

/// When and in which order an event arrived, for `first` and `last`: its time, then its arrival number
/// (so equal times keep arrival order, and merged windows agree with unmerged ones).
struct EventStamp: Comparable {
    var time: Int64
    var sequence: Int64

    static func < (lhs: EventStamp, rhs: EventStamp) -> Bool {
        (lhs.time, lhs.sequence) < (rhs.time, rhs.sequence)
    }
}

/// A value with the stamp of the event it came from.
struct StampedValue {
    var stamp: EventStamp
    var value: Value
}

/// The running state of one metric in one window and group, updated in place per event.
///
/// An enum rather than a protocol so that a window's accumulators live inline in one array and an update
/// is a switch, not a dynamic call or an allocation. Numeric functions skip values that are not numbers
/// (null, strings, ...): a missing or mistyped field does not poison the window's result. Sketches are
/// classes, updated through their reference; `fresh` makes a new one for every window and group.
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
    /// Count, mean and squared deviations of the numbers (Welford): the sample variance.
    case variance(Moments)
    /// The same moments, reported as the sample standard deviation.
    case standardDeviation(Moments)
    /// The non-null value with the earliest stamp.
    case first(StampedValue?)
    /// The non-null value with the latest stamp.
    case last(StampedValue?)
    /// The distinct non-null values.
    case distinct(DistinctCounter)
    /// A quantile `q` of the numbers.
    case quantile(QuantileSketch, q: Double)
    /// The most frequent non-null values.
    case frequent(FrequentValues)

    /// Takes one event's argument value into account (`count` ignores it).
    mutating func add(_ value: Value, stamp: EventStamp) {
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
        case .variance(var moments):
            guard let number = value.number else { return }
            moments.add(number)
            self = .variance(moments)
        case .standardDeviation(var moments):
            guard let number = value.number else { return }
            moments.add(number)
            self = .standardDeviation(moments)
        case .first(let current):
            guard !value.isNull, current.map({ stamp < $0.stamp }) ?? true else { return }
            self = .first(StampedValue(stamp: stamp, value: value))
        case .last(let current):
            guard !value.isNull, current.map({ $0.stamp < stamp }) ?? true else { return }
            self = .last(StampedValue(stamp: stamp, value: value))
        case .distinct(let counter):
            if !value.isNull { counter.add(value) }
        case .quantile(let sketch, _):
            if let number = value.number { sketch.add(number) }
        case .frequent(let values):
            if !value.isNull { values.add(value) }
        }
    }

    /// Combines `other` (the same metric over other events) into this one, leaving `other` unchanged: how
    /// panes become sliding windows and sessions that an event bridges become one.
    mutating func merge(_ other: Accumulator) {
        switch (self, other) {
        case (.count(let count), .count(let more)):
            self = .count(count + more)
        case (.sum(var sum), .sum(let more)):
            sum.add(more)
            self = .sum(sum)
        case (.average(var sum, let count), .average(let more, let moreCount)):
            sum.add(more)
            self = .average(sum, count: count + moreCount)
        case (.minimum, .minimum(let value)), (.maximum, .maximum(let value)):
            add(value, stamp: EventStamp(time: 0, sequence: 0))
        case (.variance(var moments), .variance(let more)):
            moments.merge(more)
            self = .variance(moments)
        case (.standardDeviation(var moments), .standardDeviation(let more)):
            moments.merge(more)
            self = .standardDeviation(moments)
        case (.first, .first(let stamped?)), (.last, .last(let stamped?)):
            add(stamped.value, stamp: stamped.stamp)
        case (.distinct(let counter), .distinct(let more)):
            counter.merge(more)
        case (.quantile(let sketch, _), .quantile(let more, _)):
            sketch.merge(more)
        case (.frequent(let values), .frequent(let more)):
            values.merge(more)
        default:
            // `.first(nil)` / `.last(nil)` add nothing; other pairs never meet (one metric, one case).
            return
        }
    }

    /// An empty accumulator of the same metric: the same value for plain cases, a new sketch for sketches.
    var fresh: Accumulator {
        switch self {
        case .distinct(let counter): return .distinct(DistinctCounter(exactLimit: counter.exactLimit))
        case .quantile(_, let q): return .quantile(QuantileSketch(), q: q)
        case .frequent(let values): return .frequent(FrequentValues(k: values.k))
        default: return self
        }
    }

    /// The metric's value for the output event.
    var result: Value {
        switch self {
        case .count(let count): return .int(count)
        case .sum(let sum): return sum.value
        case .average(let sum, let count): return count == 0 ? .null : .double(sum.double / Double(count))
        case .minimum(let value), .maximum(let value): return value
        case .variance(let moments): return moments.sampleVariance.map(Value.double) ?? .null
        case .standardDeviation(let moments):
            return moments.sampleVariance.map { .double($0.squareRoot()) } ?? .null
        case .first(let stamped), .last(let stamped): return stamped?.value ?? .null
        case .distinct(let counter): return .int(counter.count)
        case .quantile(let sketch, let q): return sketch.quantile(q).map(Value.double) ?? .null
        case .frequent(let values): return values.result
        }
    }
}

/// The count, mean and sum of squared deviations of numbers, updated stably (Welford) and merged exactly
/// (Chan et al.).
struct Moments {
    private var count: Double = 0
    private var mean: Double = 0
    private var squaredDeviations: Double = 0

    mutating func add(_ number: Double) {
        count += 1
        let delta = number - mean
        mean += delta / count
        squaredDeviations += delta * (number - mean)
    }

    mutating func merge(_ other: Moments) {
        guard other.count > 0 else { return }
        let total = count + other.count
        let delta = other.mean - mean
        squaredDeviations += other.squaredDeviations + delta * delta * count * other.count / total
        mean += delta * other.count / total
        count = total
    }

    /// The sample variance (divided by n − 1); `nil` with fewer than two numbers.
    var sampleVariance: Double? {
        count < 2 ? nil : Swift.max(0, squaredDeviations / (count - 1))
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

    /// Adds another sum, keeping the int while both are ints and the total fits.
    mutating func add(_ other: NumericSum) {
        _ = add(other.value)
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
