import SluiceCore

/// The values of an event's group-by fields, one per field in `group_by` order (`.null` for an absent field).
///
/// Hashing and equality are the values' own: `1` and `1.0` are different groups, as they are different JSON.
struct GroupKey: Hashable {
    let values: [Value]

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
        accumulators.append(contentsOf: emptyAccumulators)
        return slot * emptyAccumulators.count
    }

    /// The slots in emission order: by group key (see `GroupKey.precedes`).
    var slotsInKeyOrder: [Int] {
        keys.indices.sorted { GroupKey.precedes(keys[$0], keys[$1]) }
    }
}

/// The open windows of an aggregation, in order of start (then end), found by bounds.
///
/// Few windows are open at a time (one or two tumbling windows, `size / slide` sliding ones, more with a
/// long allowed lateness), so a sorted array searched from the newest end beats a dictionary.
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

    /// Removes and returns every window, in order of start.
    mutating func removeAll() -> [WindowGroups] {
        defer { windows.removeAll() }
        return windows
    }
}
