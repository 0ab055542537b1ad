#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Estimates quantiles of a stream of numbers with a relative-error guarantee (DDSketch, Masson et al., 2019).
///
/// Numbers fall into logarithmic buckets `(γ^(i-1), γ^i]` with `γ = (1 + α) / (1 − α)` and `α = 1 %`; a
/// quantile is answered from the bucket holding the value of rank ⌊q·(n−1)⌋ (0-based, in sorted order), so
/// the estimate is within 1 % of that value (relative error, for either sign). Magnitudes below 1e-9 count
/// as 0 and are answered exactly as 0. The answer is clamped to the exact minimum and maximum. Memory is
/// one counter per bucket between the smallest and the largest magnitude, about 116 per factor of ten.
/// Sketches merge exactly (bucket counts add), so panes and sessions combine without extra error.
final class QuantileSketch {
    /// The relative accuracy α.
    static let relativeAccuracy = 0.01
    private static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    private static let logGamma = log(gamma)
    private static let smallestMagnitude = 1e-9

    private var positive = BucketCounts()
    private var negative = BucketCounts()
    private var zeroCount: Int64 = 0
    private(set) var count: Int64 = 0
    private var minimum = Double.infinity
    private var maximum = -Double.infinity

    /// Takes a finite number into account; others are ignored.
    func add(_ number: Double) {
        guard number.isFinite else { return }
        if number > Self.smallestMagnitude {
            positive.add(Self.index(number), count: 1)
        } else if number < -Self.smallestMagnitude {
            negative.add(Self.index(-number), count: 1)
        } else {
            zeroCount += 1
        }
        count += 1
        minimum = Swift.min(minimum, number)
        maximum = Swift.max(maximum, number)
    }

    /// Takes `other`'s numbers into account too (leaving `other` unchanged).
    func merge(_ other: QuantileSketch) {
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount += other.zeroCount
        count += other.count
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// The estimated `q`-quantile (`q` in [0, 1]), or `nil` when no number was added.
    func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Int64((q * Double(count - 1)).rounded(.down))
        var seen: Int64 = 0
        // Negative numbers first, the largest magnitude (the most negative) first.
        for (index, bucketCount) in negative.descending {
            seen += bucketCount
            if seen > rank { return clamp(-Self.value(ofBucket: index)) }
        }
        seen += zeroCount
        if seen > rank { return clamp(0) }
        for (index, bucketCount) in positive.ascending {
            seen += bucketCount
            if seen > rank { return clamp(Self.value(ofBucket: index)) }
        }
        return maximum
    }

    /// The estimated heap bytes: the object and one counter per bucket between the extreme magnitudes.
    var estimatedBytes: Int {
        128 + 8 * (positive.bucketCount + negative.bucketCount)
    }

    private func clamp(_ value: Double) -> Double {
        Swift.min(Swift.max(value, minimum), maximum)
    }

    private static func index(_ magnitude: Double) -> Int {
        Int((log(magnitude) / logGamma).rounded(.up))
    }

    /// The point of bucket `index` whose relative distance to either bound is α.
    private static func value(ofBucket index: Int) -> Double {
        2 * pow(gamma, Double(index)) / (gamma + 1)
    }
}

/// Counts per bucket index, stored densely from the lowest index seen to the highest.
private struct BucketCounts {
    private var counts: [Int64] = []
    private var lowest = 0

    mutating func add(_ index: Int, count: Int64) {
        if counts.isEmpty {
            lowest = index
            counts = [0]
        } else if index < lowest {
            counts.insert(contentsOf: repeatElement(0, count: lowest - index), at: 0)
            lowest = index
        } else if index >= lowest + counts.count {
            counts.append(contentsOf: repeatElement(0, count: index - lowest - counts.count + 1))
        }
        counts[index - lowest] += count
    }

    mutating func merge(_ other: BucketCounts) {
        for (offset, count) in other.counts.enumerated() where count > 0 {
            add(other.lowest + offset, count: count)
        }
    }

    /// The number of counters stored.
    var bucketCount: Int { counts.count }

    var ascending: some Sequence<(Int, Int64)> {
        counts.indices.lazy.filter { counts[$0] > 0 }.map { (lowest + $0, counts[$0]) }
    }

    var descending: some Sequence<(Int, Int64)> {
        counts.indices.reversed().lazy.filter { counts[$0] > 0 }.map { (lowest + $0, counts[$0]) }
    }
}
