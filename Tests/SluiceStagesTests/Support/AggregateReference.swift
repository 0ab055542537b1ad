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
            $0.value != $1.value
                ? $0.value > $1.value : $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars)
        }
        return Array(sorted.prefix(k))
    }
}

/// The reference's model of what the stage writes in order, with `on_late: emit_update` (a retention) and
/// `max_groups`: final rows as the watermark passes a window's end, and a corrected row of each retained
/// window a late event lands in.
extension AggregateReference {
    /// One row written, in order.
    struct Emission {
        var row: Row
        var isUpdate: Bool
    }

    /// The rows written, the late events (dropped) and the events dropped for `max_groups`, by index.
    struct Outcome {
        var emissions: [Emission] = []
        var late: [Int] = []
        var capped: [Int] = []
    }

    /// Runs `events` in arrival order; `retention` is the update retention (0 without `emit_update`).
    func emissions(_ events: [Input], retention: Int64 = 0, maxGroups: Int? = nil) -> Outcome {
        switch windows {
        case .sliding(let size, let slide):
            return alignedEmissions(events, size: size, slide: slide, retention: retention, maxGroups: maxGroups)
        case .session(let gap):
            return sessionEmissions(events, gap: gap, retention: retention, maxGroups: maxGroups)
        }
    }

    private func alignedEmissions(
        _ events: [Input], size: Int64, slide: Int64, retention: Int64, maxGroups: Int?
    ) -> Outcome {
        let marks = watermarks(events)
        var outcome = Outcome()
        // start → key → members; a window's final row is written once, when the watermark first passes its end.
        var windows: [Int64: [String: [Int]]] = [:]
        var closedThrough = Int64.min
        func close(through mark: Int64) {
            guard mark > closedThrough else { return }
            for start in windows.keys.sorted() where start + size > closedThrough && start + size <= mark {
                for (key, members) in windows[start]! {
                    let row = Row(start: start, end: start + size, key: key, members: members)
                    outcome.emissions.append(Emission(row: row, isUpdate: false))
                }
            }
            closedThrough = mark
            windows = windows.filter { $0.key + size + retention > mark }
        }
        for (index, event) in events.enumerated() {
            let mark = marks[index]
            close(through: mark)
            var held: [Int64] = []
            var start = event.time - event.time.mod(slide)
            while start > event.time - size {
                if start + size + retention > mark { held.append(start) }
                start -= slide
            }
            held.sort()
            if held.isEmpty {
                outcome.late.append(index)
                continue
            }
            if let maxGroups,
                held.contains(where: { windows[$0]?[event.key] == nil && (windows[$0]?.count ?? 0) >= maxGroups })
            {
                outcome.capped.append(index)
                continue
            }
            for start in held {
                windows[start, default: [:]][event.key, default: []].append(index)
                if start + size <= mark {
                    let row = Row(start: start, end: start + size, key: event.key, members: windows[start]![event.key]!)
                    outcome.emissions.append(Emission(row: row, isUpdate: true))
                }
            }
        }
        close(through: .max)
        return outcome
    }

    private struct Session {
        var row: Row
        var emitted = false
        var replaces = false
    }

    private func sessionEmissions(_ events: [Input], gap: Int64, retention: Int64, maxGroups: Int?) -> Outcome {
        let marks = watermarks(events)
        var outcome = Outcome()
        var sessions: [String: [Session]] = [:]
        func close(through mark: Int64) {
            for key in sessions.keys {
                var list = sessions[key]!.sorted { ($0.row.start, $0.row.end) < ($1.row.start, $1.row.end) }
                for index in list.indices where !list[index].emitted && list[index].row.end <= mark {
                    outcome.emissions.append(Emission(row: list[index].row, isUpdate: list[index].replaces))
                    list[index].emitted = true
                }
                list.removeAll { $0.emitted && ($0.row.end + retention <= mark || mark == .max) }
                sessions[key] = list.isEmpty ? nil : list
            }
        }
        for (index, event) in events.enumerated() {
            let mark = marks[index]
            close(through: mark)
            let list = sessions[event.key] ?? []
            let touching = list.filter { $0.row.start <= event.time + gap && $0.row.end >= event.time }
            if touching.isEmpty, event.time + gap + retention <= mark {
                outcome.late.append(index)
                continue
            }
            if let maxGroups, list.isEmpty, sessions.count >= maxGroups {
                outcome.capped.append(index)
                continue
            }
            var merged = Session(row: Row(start: event.time, end: event.time + gap, key: event.key, members: [index]))
            for session in touching {
                merged.row.start = min(merged.row.start, session.row.start)
                merged.row.end = max(merged.row.end, session.row.end)
                merged.row.members += session.row.members
                merged.replaces = merged.replaces || session.emitted || session.replaces
            }
            merged.row.members.sort()
            if merged.row.end <= mark {
                merged.emitted = true
                outcome.emissions.append(Emission(row: merged.row, isUpdate: true))
            }
            sessions[event.key] =
                list.filter { session in !touching.contains { $0.row.start == session.row.start } }
                + [merged]
        }
        close(through: .max)
        return outcome
    }
}
