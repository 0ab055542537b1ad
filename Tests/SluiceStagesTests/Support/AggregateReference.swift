import SluiceCore

/// A deliberately naive model of the `aggregate` stage for checking it: it keeps every raw event, decides
/// window membership from the definitions in docs/aggregations.md, and recomputes every metric from the raw
/// values of each window at the end. It shares no code with the stage.
struct AggregateReference {
    /// One input event as the reference sees it.
    struct Input {
        var time: Int64
        var key: String
        var value: Value
        var status: String
    }

    /// The window definitions the reference knows.
    enum Windows {
        case sliding(size: Int64, slide: Int64)
        case session(gap: Int64)
    }

    let windows: Windows
    let lateness: Int64

    /// The expected rows (unordered) and the indices of the late events, for `events` in arrival order.
    func run(_ events: [Input]) -> (rows: [Row], late: [Int]) {
        switch windows {
        case .sliding(let size, let slide): return sliding(events, size: size, slide: slide)
        case .session(let gap): return sessions(events, gap: gap)
        }
    }

    /// One expected output row: the bounds, the key and the events (by index) it aggregates.
    struct Row {
        var start: Int64
        var end: Int64
        var key: String
        var members: [Int]
    }

    /// The watermark when event `index` arrives: the largest earlier time minus the lateness.
    private func watermarks(_ events: [Input]) -> [Int64] {
        var largest = Int64.min
        return events.map { event in
            defer { largest = max(largest, event.time) }
            return largest == .min ? .min : largest - lateness
        }
    }

    private func sliding(_ events: [Input], size: Int64, slide: Int64) -> (rows: [Row], late: [Int]) {
        let marks = watermarks(events)
        var rows: [String: Row] = [:]
        var late: [Int] = []
        for (index, event) in events.enumerated() {
            var counted = false
            // Every start that is a multiple of `slide` in (time - size, time].
            var start = event.time - event.time.mod(slide)
            while start > event.time - size {
                let end = start + size
                if marks[index] < end {
                    rows["\(start)|\(event.key)", default: Row(start: start, end: end, key: event.key, members: [])]
                        .members.append(index)
                    counted = true
                }
                start -= slide
            }
            if !counted { late.append(index) }
        }
        return (Array(rows.values), late)
    }

    private func sessions(_ events: [Input], gap: Int64) -> (rows: [Row], late: [Int]) {
        let marks = watermarks(events)
        var open: [String: [Row]] = [:]
        var late: [Int] = []
        for (index, event) in events.enumerated() {
            let mark = marks[index]
            var list = open[event.key] ?? []
            let touching = list.filter { $0.end > mark && $0.start <= event.time + gap && $0.end >= event.time }
            if touching.isEmpty, event.time + gap <= mark {
                late.append(index)
                continue
            }
            list.removeAll { row in touching.contains { $0.start == row.start && $0.end == row.end } }
            var merged = Row(start: event.time, end: event.time + gap, key: event.key, members: [index])
            for row in touching {
                merged.start = min(merged.start, row.start)
                merged.end = max(merged.end, row.end)
                merged.members += row.members
            }
            list.append(merged)
            open[event.key] = list
        }
        return (open.values.flatMap { $0 }, late)
    }
}

extension Int64 {
    /// The remainder with the sign of the divisor.
    fileprivate func mod(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

/// Naive metric definitions over raw values, for the reference.
enum ReferenceMetrics {
    static func numbers(_ values: [Value]) -> [Double] { values.compactMap(\.number) }

    static func sampleVariance(_ values: [Value]) -> Double? {
        let xs = numbers(values)
        guard xs.count >= 2 else { return nil }
        let mean = xs.reduce(0, +) / Double(xs.count)
        return xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)
    }

    /// The value of rank ⌊q·(n−1)⌋ in sorted order: what the percentile estimate is within 1 % of.
    static func percentile(_ values: [Value], _ q: Double) -> Double? {
        let xs = numbers(values).sorted()
        guard !xs.isEmpty else { return nil }
        return xs[Int((q * Double(xs.count - 1)).rounded(.down))]
    }

    /// The `k` most frequent non-null values, by count then by value (strings here).
    static func topK(_ values: [Value], _ k: Int) -> [(String, Int)] {
        var counts: [String: Int] = [:]
        for case .string(let text) in values { counts[text, default: 0] += 1 }
        let sorted = counts.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars)
        }
        return Array(sorted.prefix(k))
    }
}

/// A small seeded random generator (SplitMix64), so generated test data is the same on every run.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
