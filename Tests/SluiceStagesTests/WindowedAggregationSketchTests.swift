import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

/// The estimated metrics stay within their documented error bounds (docs/aggregations.md).
@Suite struct WindowedAggregationSketchTests {
    @Test(arguments: [20_000, 100_000, 1_000_000])
    func distinctCountIsWithinTwoAndAHalfPercentBeyondTheExactLimit(count: Int) {
        let counter = DistinctCounter(exactLimit: 10_000)
        for index in 0..<count { counter.add(.string("user-\(index)")) }
        // Duplicates change nothing.
        for index in 0..<1_000 { counter.add(.string("user-\(index)")) }
        #expect(counter.isEstimate)
        let error = abs(Double(counter.count) - Double(count)) / Double(count)
        #expect(error <= 0.025, "estimate \(counter.count) for \(count): error \(error)")
    }

    @Test func distinctCountIsExactUpToItsLimitAndMergesAcrossModes() {
        let exact = DistinctCounter(exactLimit: 100)
        for index in 0..<100 { exact.add(.int(Int64(index))) }
        exact.add(.double(1))  // 1.0 is not 1
        #expect(exact.count == 101 && exact.isEstimate)
        let small = DistinctCounter(exactLimit: 1_000)
        for index in 0..<50 { small.add(.int(Int64(index))) }
        #expect(small.count == 50 && !small.isEstimate)
        let large = DistinctCounter(exactLimit: 1_000)
        for index in 0..<50_000 { large.add(.int(Int64(index))) }
        small.merge(large)
        #expect(abs(Double(small.count) - 50_000) <= 0.025 * 50_000)
    }

    @Test(arguments: [0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0])
    func percentileIsWithinOnePercentOfTheValueAtItsRank(q: Double) {
        var random = SplitMix64(seed: 3)
        // Log-uniform over nine decades, some negatives and zeros: the relative bound must hold everywhere.
        let numbers = (0..<50_000).map { index -> Double in
            if index % 100 == 0 { return 0 }
            let magnitude = pow(10, Double.random(in: -3...6, using: &random))
            return index % 7 == 0 ? -magnitude : magnitude
        }
        let sketch = QuantileSketch()
        let halves = (QuantileSketch(), QuantileSketch())
        for (index, number) in numbers.enumerated() {
            sketch.add(number)
            (index.isMultiple(of: 2) ? halves.0 : halves.1).add(number)
        }
        halves.0.merge(halves.1)
        let exact = numbers.sorted()[Int((q * Double(numbers.count - 1)).rounded(.down))]
        for estimate in [sketch.quantile(q)!, halves.0.quantile(q)!] {
            #expect(abs(estimate - exact) <= 0.01 * abs(exact), "q \(q): \(estimate) vs \(exact)")
        }
    }

    @Test func topKIsExactWithinCapacityAndBoundedBeyond() {
        let frequent = FrequentValues(k: 3)
        var truth: [Value: Int64] = [:]
        var random = SplitMix64(seed: 5)
        // Three heavy values among 5,000 rare ones: far more distinct values than the 100 counters.
        for index in 0..<60_000 {
            let value: Value =
                index % 4 == 0
                ? .string(["a", "b", "c"][index % 3]) : .int(Int64.random(in: 0..<5_000, using: &random))
            truth[value, default: 0] += 1
            frequent.add(value)
        }
        guard case .array(let rows) = frequent.result else {
            Issue.record("top_k is not an array")
            return
        }
        let bound = 60_000 / Int64(frequent.capacity + 1)
        #expect(rows.count == 3)
        for row in rows {
            guard case .object(let pair) = row, let value = pair["value"], case .int(let count)? = pair["count"] else {
                Issue.record("bad row \(row)")
                return
            }
            #expect(["a", "b", "c"].contains(value))
            #expect(count <= truth[value]! && truth[value]! - count <= bound)
        }
    }

    @Test func readsPercentileAndTopKParameters() throws {
        let config = try #require(
            readAggregateConfig(
                """
                metrics:
                  p99: percentile(latency, 0.99)
                  top: top_k(path, 5)
                  m: median(x)
                """
            ).config)
        #expect(config.metrics.map(\.parameter) == [0.99, 5, nil])
        let (_, diagnostics) = readAggregateConfig(
            """
            metrics:
              p: percentile(latency, 1.5)
              t: top_k(path, x)
            """)
        #expect(
            diagnostics.all.map(\.message) == [
                "the second argument of percentile() must be a number from 0 to 1, found '1.5'",
                "the second argument of top_k() must be an int from 1 to 1000, found 'x'",
            ])
    }
}
