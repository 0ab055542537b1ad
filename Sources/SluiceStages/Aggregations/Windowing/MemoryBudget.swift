import SluiceCore

/// The estimated memory of an aggregate's state and its limit (`max_memory`): what decides whether a new group
/// may open a slot (a group in a window, pane or session).
///
/// The estimate counts, per slot, the group key (its values and their strings), each metric's accumulator and
/// the sketches' current contents, plus a fixed overhead for the tables that find the slot. It is exact after
/// a walk of the whole state (`measured`) and grows by each new slot's size in between; removals and sketch
/// growth show at the next walk. A walk happens when the estimate reaches the limit (so a full window that has
/// since closed frees its room) and at least every `walkInterval` events, which keeps it O(1) per event
/// amortized. Groups already in the state keep counting at the limit, so sketches of existing groups can still
/// grow, each within its own bound (docs/aggregations.md).
struct MemoryBudget {
    /// Bytes per slot besides its key and accumulators: the dictionary entry that finds it (at the table's
    /// load factor), its key in the slot list, and the key's array header, as allocated.
    static let slotOverhead = 160
    /// The fewest events between two walks.
    static let walkInterval = 65_536

    /// The limit in bytes.
    let limit: Int
    /// The current estimate in bytes.
    private(set) var estimate = 0
    private var eventsUntilWalk = walkInterval
    /// True while a walk at the limit found the state full: walking again is pointless until something changed.
    private var confirmedFull = false

    init(limit: Int) {
        self.limit = limit
    }

    /// True when the estimate has reached the limit: only then must a new slot be told from an existing one.
    var isAtLimit: Bool { estimate >= limit }

    /// Counts one event; true when a walk is due (the caller then calls `measured`).
    mutating func eventArrived() -> Bool {
        eventsUntilWalk -= 1
        return eventsUntilWalk <= 0
    }

    /// True when a new slot may not open; `measure` is called (and its result recorded) when the estimate has
    /// reached the limit and the state may have shrunk since the last walk.
    mutating func isFull(measure: () -> (bytes: Int, slots: Int)) -> Bool {
        guard isAtLimit else { return false }
        if !confirmedFull {
            measured(measure())
            confirmedFull = estimate >= limit
        }
        return confirmedFull
    }

    /// Records a new slot of `bytes`.
    mutating func opened(_ bytes: Int) {
        estimate += bytes
    }

    /// Notes that state was freed (windows emitted, sessions closed): the next check at the limit walks again.
    mutating func freed() {
        confirmedFull = false
    }

    /// Records the result of a walk of the whole state.
    mutating func measured(_ result: (bytes: Int, slots: Int)) {
        estimate = result.bytes
        eventsUntilWalk = max(Self.walkInterval, result.slots)
        confirmedFull = false
    }

    /// A walk of the whole state: its estimated bytes and its number of slots.
    static func measure(_ store: WindowStore, _ sessions: SessionStore, metricCount: Int) -> (bytes: Int, slots: Int) {
        var bytes = 0
        var slots = 0
        for window in store.windows {
            for (slot, key) in window.keys.enumerated() {
                let base = slot * metricCount
                bytes += slotBytes(key, window.accumulators[base..<base + metricCount])
            }
            slots += window.groupCount
        }
        for (key, list) in sessions.sessions {
            for session in list { bytes += slotBytes(key, session.accumulators[...]) }
            slots += list.count
        }
        return (bytes, slots)
    }

    /// The estimated bytes of one slot holding `key` and `accumulators`.
    static func slotBytes(_ key: GroupKey, _ accumulators: ArraySlice<Accumulator>) -> Int {
        var bytes = slotOverhead + key.values.reduce(0) { $0 + MemoryLayout<Value>.stride + payloadBytes($1) }
        for accumulator in accumulators { bytes += accumulator.estimatedBytes }
        return bytes
    }

    /// The heap bytes a value owns beyond its inline storage: a string longer than Swift stores inline, the
    /// elements of an array, the fields of an object.
    static func payloadBytes(_ value: Value) -> Int {
        switch value {
        case .string(let text): return text.utf8.count > 15 ? 32 + text.utf8.count : 0
        case .array(let items): return 32 + items.reduce(0) { $0 + MemoryLayout<Value>.stride + payloadBytes($1) }
        case .object(let event):
            return 32 + event.fields.reduce(0) { $0 + MemoryLayout<Event.Field>.stride + payloadBytes($1.value) }
        default: return 0
        }
    }
}

extension Accumulator {
    /// The estimated bytes this accumulator takes: its inline size plus what it holds on the heap.
    var estimatedBytes: Int {
        let inline = MemoryLayout<Accumulator>.stride
        switch self {
        case .minimum(let value), .maximum(let value): return inline + MemoryBudget.payloadBytes(value)
        case .first(let stamped), .last(let stamped):
            return inline + (stamped.map { MemoryBudget.payloadBytes($0.value) } ?? 0)
        case .distinct(let counter): return inline + counter.estimatedBytes
        case .quantile(let sketch, _): return inline + sketch.estimatedBytes
        case .frequent(let values): return inline + values.estimatedBytes
        default: return inline
        }
    }
}
