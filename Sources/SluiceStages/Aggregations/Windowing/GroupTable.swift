import SluiceCore

/// The values of an event's group-by fields, one per field in `group_by` order (`.null` for an absent field).
///
/// Hashing and equality are the values' own: `1` and `1.0` are different groups, as they are different JSON.
struct GroupKey: Hashable {
    let values: [Value]
    // The values' hash, computed once per event: a dictionary lookup then hashes one int instead of the
    // values, and probing past another group's slot compares ints instead of values.
    private let valuesHash: Int

    init(values: [Value]) {
        self.values = values
        valuesHash = values.hashValue
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(valuesHash)
    }

    static func == (lhs: GroupKey, rhs: GroupKey) -> Bool {
        lhs.valuesHash == rhs.valuesHash && lhs.values == rhs.values
    }

    /// The deterministic emission order: field by field, in `ValueOrder`.
    static func precedes(_ lhs: GroupKey, _ rhs: GroupKey) -> Bool {
        for (l, r) in zip(lhs.values, rhs.values) {
            let order = ValueOrder.compare(l, r)
            if order != 0 { return order < 0 }
        }
        return false
    }
}

/// A total order over values, so groups are emitted in the same order whatever the arrival order or the
/// number of parallel instances: null < bool < numbers (by value; an int before an equal double) < strings
/// (by Unicode scalar values) < arrays < objects (both by their JSON text).
enum ValueOrder {
    /// Negative, zero or positive as `lhs` sorts before, with or after `rhs`.
    static func compare(_ lhs: Value, _ rhs: Value) -> Int {
        let (lRank, rRank) = (rank(lhs), rank(rhs))
        if lRank != rRank { return lRank < rRank ? -1 : 1 }
        switch (lhs, rhs) {
        case (.bool(let l), .bool(let r)):
            return l == r ? 0 : (l ? 1 : -1)
        case (.int(let l), .int(let r)):
            return l == r ? 0 : (l < r ? -1 : 1)
        case (.string(let l), .string(let r)):
            return l == r ? 0 : (l.unicodeScalars.lexicographicallyPrecedes(r.unicodeScalars) ? -1 : 1)
        default:
            if let l = lhs.number, let r = rhs.number {
                if l != r { return l < r ? -1 : 1 }
                return lhs.isInt == rhs.isInt ? 0 : (lhs.isInt ? -1 : 1)
            }
            let (l, r) = (lhs.description, rhs.description)
            return l == r ? 0 : (l < r ? -1 : 1)
        }
    }

    private static func rank(_ value: Value) -> Int {
        switch value {
        case .null: return 0
        case .bool: return 1
        case .int, .double: return 2
        case .string: return 3
        case .array: return 4
        case .object: return 5
        }
    }
}

extension Value {
    fileprivate var isInt: Bool {
        if case .int = self { return true }
        return false
    }
}

/// One open window: a slot per group seen in it, each slot holding one accumulator per metric.
///
/// Accumulators live in one flat array, group-major (`slot * metricCount + metric`), so a window costs a
/// few arrays however many groups it has, and an update is an index computation on storage the window owns
/// uniquely (a struct in the store's array, so updates happen in place without exclusivity checks at run time).
struct WindowGroups {
    let bounds: WindowBounds
    private var slots: [GroupKey: Int] = [:]
    /// The group keys, by slot.
    private(set) var keys: [GroupKey] = []
    /// The accumulators, `metricCount` per slot.
    var accumulators: [Accumulator] = []
    /// Holds on the acknowledgements of the events counted here, until the rows of every window this
    /// pane belongs to have been emitted.
    var acknowledgements = AckSet()
    private let emptyAccumulators: [Accumulator]

    init(bounds: WindowBounds, emptyAccumulators: [Accumulator]) {
        self.bounds = bounds
        self.emptyAccumulators = emptyAccumulators
    }

    /// The index of the first accumulator of `key`'s slot, adding a slot with fresh accumulators when the
    /// group is new to this window.
    mutating func accumulatorBase(for key: GroupKey) -> Int {
        if let slot = slots[key] { return slot * emptyAccumulators.count }
        let slot = keys.count
        slots[key] = slot
        keys.append(key)
        for empty in emptyAccumulators { accumulators.append(empty.fresh) }
        return slot * emptyAccumulators.count
    }

    /// True when `key` has a slot in this window.
    func contains(_ key: GroupKey) -> Bool {
        slots[key] != nil
    }

    /// The number of groups in this window.
    var groupCount: Int { keys.count }

    /// The index of the first accumulator of `key`'s slot, or `nil` when the group is not in this window.
    func accumulatorBase(of key: GroupKey) -> Int? {
        slots[key].map { $0 * emptyAccumulators.count }
    }

    /// The slots in emission order: by group key (see `GroupKey.precedes`).
    var slotsInKeyOrder: [Int] {
        keys.indices.sorted { GroupKey.precedes(keys[$0], keys[$1]) }
    }
}

/// The open windows of an aggregation, in order of start (then end), found by bounds.
///
/// For sliding windows the entries are panes. Few are open at a time (one or two tumbling windows,
/// `size / gcd(size, slide)` panes, more with a long allowed lateness), so a sorted array searched from the newest end beats a dictionary.
struct WindowStore {
    /// The open windows, by start.
    var windows: [WindowGroups] = []
    private let emptyAccumulators: [Accumulator]

    init(emptyAccumulators: [Accumulator]) {
        self.emptyAccumulators = emptyAccumulators
    }

    /// The index in `windows` of the window with `bounds`, opened if it is not open yet.
    mutating func index(of bounds: WindowBounds) -> Int {
        var index = windows.count
        while index > 0 {
            let candidate = windows[index - 1].bounds
            if candidate == bounds { return index - 1 }
            if (candidate.start, candidate.end) < (bounds.start, bounds.end) { break }
            index -= 1
        }
        windows.insert(WindowGroups(bounds: bounds, emptyAccumulators: emptyAccumulators), at: index)
        return index
    }

    /// Removes and returns, in order of start, every window for which `isComplete(end)` holds.
    mutating func removeWindows(where isComplete: (Int64) -> Bool) -> [WindowGroups] {
        guard windows.contains(where: { isComplete($0.bounds.end) }) else { return [] }
        let complete = windows.filter { isComplete($0.bounds.end) }
        windows.removeAll { isComplete($0.bounds.end) }
        return complete
    }

    /// Merges the panes inside `bounds` into one window: each group's accumulators combined across panes (only
    /// `key`'s, when given).
    func merged(into bounds: WindowBounds, only key: GroupKey? = nil) -> WindowGroups {
        var window = WindowGroups(bounds: bounds, emptyAccumulators: emptyAccumulators)
        let metricCount = emptyAccumulators.count
        func add(_ key: GroupKey, from pane: WindowGroups, at paneBase: Int) {
            let base = window.accumulatorBase(for: key)
            for metric in 0..<metricCount {
                window.accumulators[base + metric].merge(pane.accumulators[paneBase + metric])
            }
        }
        for pane in windows where pane.bounds.start >= bounds.start && pane.bounds.end <= bounds.end {
            if let key {
                if let paneBase = pane.accumulatorBase(of: key) { add(key, from: pane, at: paneBase) }
            } else {
                for (slot, paneKey) in pane.keys.enumerated() { add(paneKey, from: pane, at: slot * metricCount) }
            }
        }
        return window
    }

    /// Removes and returns every window, in order of start.
    mutating func removeAll() -> [WindowGroups] {
        defer { windows.removeAll() }
        return windows
    }
}

/// The session windows of an aggregation: per group, its sessions in order of start.
///
/// An event at `t` opens the session `[t, t + gap)`; a session that touches or overlaps it is merged with it
/// (all of them when the event bridges several), as Flink's merging window assigner does. A session is open
/// until the watermark reaches its end; then it is emitted and, with an update retention (`emit_update`), kept
/// until the watermark reaches its end plus the retention, so late events can still join it.
struct SessionStore {
    /// One group's session: its bounds and one accumulator per metric.
    struct Session {
        var bounds: WindowBounds
        var accumulators: [Accumulator]
        /// True once its row has been written; it is then kept only for its update retention.
        var emitted = false
        /// True when it absorbed an emitted session, so its row on close replaces that one (`is_update`).
        var replacesEmitted = false
        /// Holds on the acknowledgements of its events until its row is emitted.
        var acknowledgements = AckSet()
    }

    /// What `add` did with an event.
    enum Addition {
        /// Nothing: the event is late.
        case late
        /// The event joined or opened an open session.
        case added
        /// The event joined or opened a session that is already complete; its corrected row is due now.
        case updated(Session)
    }

    private(set) var sessions: [GroupKey: [Session]] = [:]
    private let emptyAccumulators: [Accumulator]
    /// A lower bound of the watermark at which something is due: an open session's end, or a retained
    /// session's end plus its retention. Emission only scans when the watermark reaches it.
    private(set) var nextDue = Int64.max

    init(emptyAccumulators: [Accumulator]) {
        self.emptyAccumulators = emptyAccumulators
    }

    /// The number of groups holding sessions.
    var groupCount: Int { sessions.count }

    /// True when `key` holds a session.
    func holds(_ key: GroupKey) -> Bool {
        sessions[key] != nil
    }

    /// Adds an event at `time` to its session of `key`, merging the sessions it touches or bridges: open ones,
    /// and emitted ones still within `retention` of `watermark`. Returns `.late` (changing nothing) when it
    /// touches none and `[time, time + gap)` ended `retention` or more before the watermark. `update` adds the
    /// event to the session's accumulators. An open session takes a hold on `acknowledgements` (the event's);
    /// a complete one does not: its corrected row, due now, carries them.
    mutating func add(
        _ key: GroupKey, at time: Int64, gap: Int64, watermark: Int64, retention: Int64,
        acknowledgements: borrowing AckSet, _ update: (inout [Accumulator]) -> Void
    ) -> Addition {
        var bounds = WindowBounds(start: time, end: time.saturatingAdding(gap))
        func touches(_ session: Session) -> Bool {
            let held =
                session.emitted
                ? session.bounds.end.saturatingAdding(retention) > watermark
                : session.bounds.end > watermark
            return held && session.bounds.start <= bounds.end && session.bounds.end >= time
        }
        // Taken out of the dictionary so the list is uniquely referenced and changes in place.
        var list = sessions.removeValue(forKey: key) ?? []
        guard bounds.end.saturatingAdding(retention) > watermark || list.contains(where: touches) else {
            if !list.isEmpty { sessions[key] = list }
            return .late
        }
        var session: Session?
        var absorbedEmitted = false
        var index = 0
        while index < list.count {
            guard touches(list[index]) else {
                index += 1
                continue
            }
            let other = list.remove(at: index)
            absorbedEmitted = absorbedEmitted || other.emitted || other.replacesEmitted
            bounds.start = min(bounds.start, other.bounds.start)
            bounds.end = max(bounds.end, other.bounds.end)
            if session == nil {
                session = other
            } else {
                for metric in other.accumulators.indices {
                    session!.accumulators[metric].merge(other.accumulators[metric])
                }
                session!.acknowledgements.merge(other.acknowledgements)
            }
        }
        var merged = session ?? Session(bounds: bounds, accumulators: emptyAccumulators.map(\.fresh))
        merged.bounds = bounds
        update(&merged.accumulators)
        let complete = bounds.end <= watermark
        if !complete, !acknowledgements.isEmpty { merged.acknowledgements.merge(acknowledgements.retained()) }
        merged.emitted = complete
        merged.replacesEmitted = !complete && absorbedEmitted
        list.insert(merged, at: list.firstIndex { $0.bounds.start > bounds.start } ?? list.endIndex)
        sessions[key] = list
        nextDue = min(nextDue, Self.due(merged, retention: retention))
        return complete ? .updated(merged) : .added
    }

    /// Takes the sessions ending at or before `limit` that were not emitted yet, by start, end, then group key,
    /// each with the kind of its row and the holds on its acknowledgements; keeps them for `retention` past
    /// their end, and frees the sessions whose retention has passed.
    mutating func takeComplete(through limit: Int64, retention: Int64) -> [(GroupKey, Session, RowKind)] {
        guard limit >= nextDue else { return [] }
        var complete: [(GroupKey, Session, RowKind)] = []
        nextDue = .max
        for (key, list) in sessions {
            var kept: [Session] = []
            for var session in list {
                if !session.emitted, session.bounds.end <= limit {
                    complete.append((key, session, session.replacesEmitted ? .update : .final))
                    session.emitted = true
                    // The holds went with the row; the session kept for updates holds none.
                    session.acknowledgements = AckSet()
                }
                if session.emitted, session.bounds.end.saturatingAdding(retention) <= limit { continue }
                kept.append(session)
                nextDue = min(nextDue, Self.due(session, retention: retention))
            }
            sessions[key] = kept.isEmpty ? nil : kept
        }
        return complete.sorted { Self.precedes(($0.0, $0.1), ($1.0, $1.1)) }
    }

    /// The sessions not emitted yet, by start, end, then group key, without their acknowledgements (which
    /// stay with the sessions).
    func openSessions() -> [(GroupKey, Session)] {
        sessions.flatMap { key, list in
            list.filter { !$0.emitted }.map { session in
                var copy = session
                copy.acknowledgements = AckSet()
                return (key, copy)
            }
        }.sorted(by: Self.precedes)
    }

    private static func due(_ session: Session, retention: Int64) -> Int64 {
        session.emitted ? session.bounds.end.saturatingAdding(retention) : session.bounds.end
    }

    private static func precedes(_ lhs: (GroupKey, Session), _ rhs: (GroupKey, Session)) -> Bool {
        if lhs.1.bounds != rhs.1.bounds {
            return (lhs.1.bounds.start, lhs.1.bounds.end) < (rhs.1.bounds.start, rhs.1.bounds.end)
        }
        return GroupKey.precedes(lhs.0, rhs.0)
    }
}
