import SluiceCore

/// The most frequent values of a stream with their counts (Misra–Gries summary, mergeable as in Agarwal et
/// al., "Mergeable summaries", 2012).
///
/// It keeps at most `capacity` counters. While a window and group has at most `capacity` distinct values the
/// counts are exact; beyond that each reported count is at most n / (capacity + 1) below the true count (n: the
/// values seen), and every value more frequent than that is reported.
final class FrequentValues {
    /// How many values are reported.
    let k: Int
    /// How many counters are kept: max(10·k, 100).
    let capacity: Int
    private var counters: [Value: Int64] = [:]

    init(k: Int) {
        self.k = k
        capacity = Swift.max(10 * k, 100)
    }

    func add(_ value: Value) {
        if let count = counters[value] {
            counters[value] = count + 1
        } else if counters.count < capacity {
            counters[value] = 1
        } else {
            // Decrementing every counter, the new value's included, is what bounds the error.
            counters = counters.compactMapValues { $0 > 1 ? $0 - 1 : nil }
        }
    }

    /// Takes `other`'s values into account too (leaving `other` unchanged).
    func merge(_ other: FrequentValues) {
        counters.merge(other.counters, uniquingKeysWith: +)
        guard counters.count > capacity else { return }
        let cut = counters.values.sorted(by: >)[capacity]
        counters = counters.compactMapValues { $0 > cut ? $0 - cut : nil }
    }

    /// The estimated heap bytes: the object and about 64 per counter (dictionary slot, value and count).
    var estimatedBytes: Int {
        64 + counters.count * 64
    }

    /// The `k` most frequent values as `[{value, count}]`, by count (highest first), then by value.
    var result: Value {
        let top = counters.sorted { lhs, rhs in
            lhs.value != rhs.value ? lhs.value > rhs.value : ValueOrder.compare(lhs.key, rhs.key) < 0
        }
        return .array(top.prefix(k).map { .object(Event(["value": $0.key, "count": .int($0.value)])) })
    }
}
