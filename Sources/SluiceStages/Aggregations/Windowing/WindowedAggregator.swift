import SluiceCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an aggregation takes each event's time from.
enum TimeSource: Sendable {
    /// A field of the event (event time); windows close as the watermark passes their end. With an idle
    /// timeout, the watermark also advances with processing time once no event has arrived for that long.
    case event(EventTimeField, allowedLateness: Int64, idleTimeout: Int64?)
    /// The wall clock when the batch arrives; windows also close on `tick` as the clock passes their end.
    case processing
    /// No time at all: the global window.
    case none
}

/// What happens to an event that arrives after every window it belongs to was emitted (`on_late`).
public enum LatePolicy: String, Sendable, Hashable, CaseIterable {
    /// Drop it, counted as a drop with reason `late` (the default).
    case drop
    /// Send it unchanged to the stage's named output `late` (`STAGE.late`), counted as `late_routed`.
    case route
    /// Keep closed windows for `update_retention` and write a corrected row (`is_update: true`) of each window
    /// a late event lands in; drop events later than that.
    case emitUpdate = "emit_update"
}

extension StageCounter {
    /// Rows written with `is_update: true` (`on_late: emit_update`).
    static let lateUpdates: StageCounter = "late_updates"
    /// Late events sent to the `late` output (`on_late: route`).
    static let lateRouted: StageCounter = "late_routed"
}

extension DropReason {
    /// Events of a new group in a window that already holds `max_groups` groups.
    static let maxGroups: DropReason = "max_groups"
    /// Events whose time is a number outside `EventTime.range`, which no window can hold.
    static let invalidTime: DropReason = "invalid_time"
    /// Events of a new group while the state is estimated at `max_memory` or more.
    static let maxMemory: DropReason = "max_memory"
}

/// Assigns events to windows and groups, updates accumulators in place, and emits one event per window and
/// group when the window is complete.
///
/// Per event it allocates nothing for a group already open in the window: the group-by values go into a reused
/// scratch array, are hashed once, and index a dictionary of slots; a new group costs one key array and
/// its accumulators. Aligned windows keep state per pane (see `AlignedWindows`), sessions per group and
/// session; state is proportional to open panes (or sessions) × groups and is freed when no longer needed
/// (with `on_late: emit_update`, once the window's update retention has passed).
///
/// A window is emitted as soon as the watermark reaches its end, before the next event is added, so what a
/// late event finds (and the order of the rows) does not depend on how the input is batched. Rows go to one
/// pending batch, written at the end of each call.
struct WindowedAggregator {
    private let assignment: WindowAssignment
    private let timeSource: TimeSource
    private let rules: EmissionRules
    private let groupBy: [FieldPath]
    private var inputs: MetricInputs
    private let metricNames: [FieldName]
    private let clock: @Sendable () -> Int64
    private var watermark: Watermark
    private var idle: IdleClock?
    private var store: WindowStore
    private var sessions: SessionStore
    private var budget: MemoryBudget
    /// One group's accumulators before any event, to estimate a new slot.
    private let emptyRow: [Accumulator]
    /// For aligned windows: every window ending at or before this has been emitted.
    private var emittedThrough = Int64.min
    /// For aligned windows: the earliest end of a window not yet emitted.
    private var alignedDue = Int64.max
    /// For sliding windows with `max_groups`: the number of groups of each window not yet freed, by end.
    private var windowGroupCounts: [Int64: Int] = [:]
    /// With `emit: every`: the processing time of the next early rows (`nil` until the first tick).
    private var nextEarly: Int64?
    private var context = EvaluationContext()
    private var keyScratch: [Value] = []
    /// Arrival numbers, which order events of equal time for `first` and `last`.
    private var sequence: Int64 = 0
    private var lateEvents: [Event] = []
    private var pending: [Event] = []
    /// The acknowledgements of the batch being processed: every window its events fall in takes a hold.
    private var batchAcknowledgements = AckSet()
    /// The pane that last took a hold on `batchAcknowledgements`, so consecutive events of one pane take one.
    private var lastHoldingPane: WindowBounds?
    /// Holds that go with the pending rows: those of the windows (or sessions) emitted.
    private var pendingAcknowledgements = AckSet()
    private var pendingUpdates = 0
    private let windowStartName = FieldName("window_start")
    private let windowEndName = FieldName("window_end")
    private let finalName = FieldName(RowFlags.finalName)
    private let updateName = FieldName(RowFlags.updateName)

    /// An aggregator; `clock` gives epoch milliseconds for processing time (tests pass a fake one).
    init(
        assignment: WindowAssignment, timeSource: TimeSource, rules: EmissionRules, groupBy: [FieldPath],
        metrics: [MetricSpec], distinctExactLimit: Int, clock: @escaping @Sendable () -> Int64
    ) {
        self.assignment = assignment
        self.timeSource = timeSource
        self.rules = rules
        self.groupBy = groupBy
        inputs = MetricInputs(metrics)
        metricNames = metrics.map(\.name)
        self.clock = clock
        if case .event(_, let lateness, let idleTimeout) = timeSource {
            watermark = Watermark(allowedLateness: lateness)
            idle = idleTimeout.map(IdleClock.init(timeout:))
        } else {
            watermark = Watermark(allowedLateness: 0)
        }
        let empty = metrics.map { $0.emptyAccumulator(distinctExactLimit: distinctExactLimit) }
        emptyRow = empty
        store = WindowStore(emptyAccumulators: empty)
        sessions = SessionStore(emptyAccumulators: empty)
        keyScratch.reserveCapacity(groupBy.count)
        budget = MemoryBudget(limit: rules.maxMemory)
    }

    /// Adds the events of `batch`; every window they fall in holds `acknowledgements` (the batch's) until its
    /// rows are emitted, and the rows carry them on.
    mutating func process(_ batch: EventBatch, acknowledgements: consuming AckSet, output: inout ProcessorOutput) {
        batchAcknowledgements = acknowledgements
        lastHoldingPane = nil
        switch timeSource {
        case .event(let field, _, _):
            let now = idle == nil ? 0 : clock()
            idle?.batchArrived(at: now)
            for event in batch.events {
                let time: Int64
                switch field.reading(of: event) {
                case .time(let milliseconds):
                    time = milliseconds
                case .missing:
                    output.drop(1, reason: .missingTime, message: Self.missingTimeMessage(event, field: field))
                    continue
                case .outOfRange:
                    output.drop(1, reason: .invalidTime, message: Self.invalidTimeMessage(event, field: field))
                    continue
                }
                add(event, at: time, output: &output)
                watermark.observe(time)
                idle?.observe(time, at: now)
                if watermark.hasPassed(nextDue) { emitComplete() }
            }
        case .processing:
            let now = clock()
            for event in batch.events { add(event, at: now, output: &output) }
            watermark.observe(now)
        case .none:
            for event in batch.events { add(event, at: 0, output: &output) }
        }
        if !lateEvents.isEmpty {
            output.count(.lateRouted, lateEvents.count)
            output.emit(EventBatch(events: lateEvents, acknowledgements: batchAcknowledgements.retained()), port: 1)
            lateEvents.removeAll(keepingCapacity: true)
        }
        emitComplete()
        flush(&output)
        output.countTypeMismatches(in: &context)
        // Every window the batch's events fell in holds its own; dropped events end here.
        batchAcknowledgements.take().release()
    }

    mutating func tick(nowMilliseconds now: Int64, output: inout ProcessorOutput) {
        switch timeSource {
        case .processing:
            watermark.observe(now)
        case .event:
            if let time = idle?.idleEventTime(at: now) { watermark.observe(time) }
        case .none:
            break
        }
        emitComplete()
        if let interval = rules.earlyInterval { emitEarly(at: now, every: interval) }
        flush(&output)
    }

    mutating func finish(output: inout ProcessorOutput) {
        switch assignment {
        case .global:
            append(passingOnAcknowledgements(store.removeAll()), as: .final)
        case .aligned(let windows):
            emitAligned(windows, through: .max)
        case .sessions:
            appendSessions(sessions.takeComplete(through: .max, retention: 0))
        }
        flush(&output)
    }

    // MARK: Per event

    /// The earliest watermark at which something is due: a window end, or the end of a retention.
    private var nextDue: Int64 {
        switch assignment {
        case .global: return .max
        case .aligned: return alignedDue
        case .sessions: return sessions.nextDue
        }
    }

    /// Adds `event` to every window of `time` that is still open (or, with `emit_update`, retained); handles
    /// it as late when there is none.
    private mutating func add(_ event: Event, at time: Int64, output: inout ProcessorOutput) {
        sequence += 1
        if budget.eventArrived() {
            budget.measured(MemoryBudget.measure(store, sessions, metricCount: metricNames.count))
        }
        let stamp = EventStamp(time: time, sequence: sequence)
        switch assignment {
        case .global:
            let key = prepare(event)
            let window = store.index(of: .global)
            guard admits(key, toPane: window, of: nil, output: &output) else { return }
            update(window, key, stamp)
            holdAcknowledgements(inPane: window)
        case .aligned(let windows):
            let lastEnd = windows.lastWindowEnd(containing: time)
            guard !watermark.hasPassed(lastEnd.saturatingAdding(rules.updateRetention)) else {
                late(event, at: time, windowEnd: lastEnd, output: &output)
                return
            }
            // Every window with an open pane that ends at or before the watermark has been emitted; count the
            // ones without events as emitted too, so a pane opened now for a later window never emits them.
            emittedThrough = max(emittedThrough, watermark.current)
            let key = prepare(event)
            let openPanes = store.windows.count
            let pane = store.index(of: windows.pane(containing: time))
            let paneBounds = store.windows[pane].bounds
            if store.windows.count > openPanes {
                windows.forEachWindowEnd(covering: paneBounds) { end in
                    if end > emittedThrough { alignedDue = min(alignedDue, end) }
                }
            }
            guard admits(key, toPane: pane, of: windows, output: &output) else { return }
            update(pane, key, stamp)
            // A pane none of whose windows is left to emit holds nothing: its update rows carry the holds.
            if windows.lastWindowEnd(containing: paneBounds.end - 1) > emittedThrough {
                holdAcknowledgements(inPane: pane)
            }
            if rules.latePolicy == .emitUpdate, watermark.hasPassed(paneBounds.end) {
                appendUpdates(of: key, covering: paneBounds, windows)
                if !batchAcknowledgements.isEmpty { pendingAcknowledgements.merge(batchAcknowledgements.retained()) }
            }
        case .sessions(let gap):
            let key = prepare(event)
            let eventEnd = time.saturatingAdding(gap)
            // Looking the group up costs a hash per event: only when a cap can apply.
            let isNewGroup = (rules.maxGroups != nil || budget.isAtLimit) && !sessions.holds(key)
            if isNewGroup, isMemoryFull(dropping: key, output: &output) { return }
            if let cap = rules.maxGroups, isNewGroup, sessions.groupCount >= cap,
                !watermark.hasPassed(eventEnd.saturatingAdding(rules.updateRetention))
            {
                output.drop(
                    1, reason: .maxGroups,
                    message: "\(cap) groups already have sessions (max_groups); dropping the events of new groups "
                        + "such as \(Self.describe(key))")
                return
            }
            let groups = sessions.groupCount
            let addition = sessions.add(
                key, at: time, gap: gap, watermark: watermark.current, retention: rules.updateRetention,
                acknowledgements: batchAcknowledgements
            ) { accumulators in
                inputs.forEachArgument { metric, argument in accumulators[metric].add(argument, stamp: stamp) }
            }
            if sessions.groupCount > groups { budget.opened(MemoryBudget.slotBytes(key, emptyRow[...])) }
            switch addition {
            case .late: late(event, at: time, windowEnd: eventEnd, output: &output)
            case .added: break
            case .updated(let session):
                appendSessions([(key, session, .update)])
                if !batchAcknowledgements.isEmpty { pendingAcknowledgements.merge(batchAcknowledgements.retained()) }
            }
        }
    }

    /// Makes the pane (or window) at `index` hold the batch's acknowledgements, once per run of events in it.
    private mutating func holdAcknowledgements(inPane index: Int) {
        guard !batchAcknowledgements.isEmpty, lastHoldingPane != store.windows[index].bounds else { return }
        lastHoldingPane = store.windows[index].bounds
        store.windows[index].acknowledgements.merge(batchAcknowledgements.retained())
    }

    /// Adds the current event (its arguments are evaluated in `inputs`) to `key`'s group in the window (or
    /// pane) at `window` in the store.
    private mutating func update(_ window: Int, _ key: GroupKey, _ stamp: EventStamp) {
        let groups = store.windows[window].groupCount
        let base = store.windows[window].accumulatorBase(for: key)
        if store.windows[window].groupCount > groups { budget.opened(MemoryBudget.slotBytes(key, emptyRow[...])) }
        inputs.forEachArgument { metric, argument in
            store.windows[window].accumulators[base + metric].add(argument, stamp: stamp)
        }
    }

    /// True when `key` may join the pane (or window) at `index` under `max_groups`; records the drop when not.
    ///
    /// For sliding windows the groups of a window are those of its panes, so a key new to the pane is new to
    /// each window none of whose other panes holds it; the event is dropped when one of those is full.
    private mutating func admits(
        _ key: GroupKey, toPane index: Int, of windows: AlignedWindows?, output: inout ProcessorOutput
    ) -> Bool {
        // Looking the group up costs a hash per event: only when a cap can apply.
        guard rules.maxGroups != nil || budget.isAtLimit, !store.windows[index].contains(key) else { return true }
        if isMemoryFull(dropping: key, output: &output) { return false }
        guard let cap = rules.maxGroups else { return true }
        let pane = store.windows[index].bounds
        var full: WindowBounds?
        if let windows, !windows.isTumbling {
            let holders = store.windows.filter { $0.contains(key) }.map(\.bounds.start)
            var newIn: [Int64] = []
            windows.forEachWindowEnd(covering: pane) { end in
                guard end.saturatingAdding(rules.updateRetention) > watermark.current else { return }
                guard !holders.contains(where: { $0 >= end - windows.size && $0 < end }) else { return }
                newIn.append(end)
                if windowGroupCounts[end, default: 0] >= cap { full = windows.window(endingAt: end) }
            }
            if full == nil { for end in newIn { windowGroupCounts[end, default: 0] += 1 } }
        } else if store.windows[index].groupCount >= cap {
            full = pane
        }
        guard let full else { return true }
        let window = full.isGlobal ? "the window" : "window [\(full.start), \(full.end))"
        output.drop(
            1, reason: .maxGroups,
            message: "\(window) already holds \(cap) groups (max_groups); dropping the events of new groups "
                + "such as \(Self.describe(key))")
        return false
    }

    /// True (with the drop recorded) when the state is estimated at `max_memory` or more, so `key`, a group
    /// new to its window or without a session, may not open a slot.
    private mutating func isMemoryFull(dropping key: GroupKey, output: inout ProcessorOutput) -> Bool {
        let (store, sessions, metricCount) = (store, sessions, metricNames.count)
        guard budget.isFull(measure: { MemoryBudget.measure(store, sessions, metricCount: metricCount) }) else {
            return false
        }
        let mebibytes = Double(budget.estimate) / 1_048_576
        output.drop(
            1, reason: .maxMemory,
            message: "the state is estimated at \(SluiceCore.NumberText.fixed(mebibytes, decimals: 1)) MiB, at or over "
                + "max_memory (\(ConfigSize(bytes: budget.limit))); dropping the events of new groups such as "
                + Self.describe(key))
        return true
    }

    // All late handling is here: every window `event` belongs to has been emitted (and its retention passed).
    private mutating func late(_ event: Event, at time: Int64, windowEnd: Int64, output: inout ProcessorOutput) {
        switch rules.latePolicy {
        case .drop, .emitUpdate:
            let retention =
                rules.latePolicy == .emitUpdate ? " and its update retention of \(rules.updateRetention) ms passed" : ""
            output.drop(
                1, reason: .late,
                message: "event at \(time) ms is late: its window ended at \(windowEnd) ms\(retention), "
                    + "the watermark is at \(watermark.current) ms")
        case .route:
            lateEvents.append(event)
        }
    }

    /// Reads the event's group key and evaluates the metric arguments and conditions into `inputs`.
    private mutating func prepare(_ event: Event) -> GroupKey {
        keyScratch.removeAll(keepingCapacity: true)
        for path in groupBy { keyScratch.append(event.value(at: path) ?? .null) }
        inputs.evaluate(event, context: &context)
        return GroupKey(values: keyScratch)
    }

    private static func missingTimeMessage(_ event: Event, field: EventTimeField) -> String {
        guard let value = event.value(at: field.path) else { return "event has no time field '\(field.path)'" }
        return "field '\(field.path)' is not a time: \(value.typeName) \(value.description.prefix(64))"
    }

    private static func invalidTimeMessage(_ event: Event, field: EventTimeField) -> String {
        let value = event.value(at: field.path)?.description.prefix(64) ?? ""
        return "field '\(field.path)' holds \(value) (\(field.unit.rawValue)), outside the event times an aggregate "
            + "can window (±\(EventTime.limit) ms, the years -271821 to 275760)"
    }

    private static func describe(_ key: GroupKey) -> String {
        "[" + key.values.map { String($0.description.prefix(64)) }.joined(separator: ", ") + "]"
    }

    // MARK: Emission

    /// Emits every window the watermark has passed.
    private mutating func emitComplete() {
        switch assignment {
        case .global:
            return
        case .aligned(let windows):
            emitAligned(windows, through: watermark.current)
        case .sessions:
            appendSessions(sessions.takeComplete(through: watermark.current, retention: rules.updateRetention))
            budget.freed()
        }
    }

    /// Emits the windows ending after `emittedThrough` and at or before `limit` (all of them for `.max`) and
    /// frees the panes no later window needs (after the update retention).
    private mutating func emitAligned(_ windows: AlignedWindows, through limit: Int64) {
        guard limit > emittedThrough else { return }
        let retention = rules.updateRetention
        if windows.isTumbling {
            append(store.windows.filter { $0.bounds.end > emittedThrough && $0.bounds.end <= limit }, as: .final)
        } else {
            let ends = unemittedWindowEnds(windows).filter { $0 <= limit }
            append(ends.map { store.merged(into: windows.window(endingAt: $0)) }, as: .final)
        }
        passOnAcknowledgements(windows, emittedAfter: emittedThrough, through: limit)
        emittedThrough = limit
        let removed = passingOnAcknowledgements(
            store.removeWindows { windows.lastWindowEnd(containing: $0 - 1).saturatingAdding(retention) <= limit })
        if !removed.isEmpty { budget.freed() }
        if !windowGroupCounts.isEmpty {
            windowGroupCounts = windowGroupCounts.filter { $0.key.saturatingAdding(retention) > limit }
        }
        alignedDue = unemittedWindowEnds(windows).first ?? .max
    }

    /// Gives the rows of the windows emitted now (ending after `previous`, at or before `limit`) the holds
    /// of their panes: a pane whose last window is among them hands its holds over, one that later windows
    /// still need gives new ones.
    private mutating func passOnAcknowledgements(
        _ windows: AlignedWindows, emittedAfter previous: Int64, through limit: Int64
    ) {
        lastHoldingPane = nil
        for index in store.windows.indices where !store.windows[index].acknowledgements.isEmpty {
            let pane = store.windows[index].bounds
            if windows.lastWindowEnd(containing: pane.end - 1) <= limit {
                pendingAcknowledgements.merge(store.windows[index].acknowledgements.take())
                continue
            }
            var emittedNow = false
            windows.forEachWindowEnd(covering: pane) { end in
                if end > previous && end <= limit { emittedNow = true }
            }
            if emittedNow { pendingAcknowledgements.merge(store.windows[index].acknowledgements.retained()) }
        }
    }

    /// Takes the holds of windows leaving the store for the pending rows, and returns the windows.
    private mutating func passingOnAcknowledgements(_ removed: [WindowGroups]) -> [WindowGroups] {
        for var window in removed where !window.acknowledgements.isEmpty {
            pendingAcknowledgements.merge(window.acknowledgements.take())
        }
        return removed
    }

    /// The ends of the windows not emitted yet that hold an open pane, in increasing order.
    private func unemittedWindowEnds(_ windows: AlignedWindows) -> [Int64] {
        var ends = Set<Int64>()
        for pane in store.windows {
            windows.forEachWindowEnd(covering: pane.bounds) { end in
                if end > emittedThrough { ends.insert(end) }
            }
        }
        return ends.sorted()
    }

    /// With `emit_update`: the corrected rows of `key` in every emitted, retained window covering `pane`.
    private mutating func appendUpdates(of key: GroupKey, covering pane: WindowBounds, _ windows: AlignedWindows) {
        var ends: [Int64] = []
        windows.forEachWindowEnd(covering: pane) { end in
            if watermark.hasPassed(end), !watermark.hasPassed(end.saturatingAdding(rules.updateRetention)) {
                ends.append(end)
            }
        }
        append(ends.map { store.merged(into: windows.window(endingAt: $0), only: key) }, as: .update)
    }

    /// With `emit: every`, when due at processing time `now`: the current row of every open window and group.
    private mutating func emitEarly(at now: Int64, every interval: Int64) {
        guard let due = nextEarly, now >= due else {
            if nextEarly == nil { nextEarly = now.saturatingAdding(interval) }
            return
        }
        let next = due.saturatingAdding(interval)
        nextEarly = next > now ? next : now.saturatingAdding(interval)
        switch assignment {
        case .global:
            append(store.windows, as: .partial)
        case .aligned(let windows) where windows.isTumbling:
            append(store.windows.filter { $0.bounds.end > emittedThrough }, as: .partial)
        case .aligned(let windows):
            append(unemittedWindowEnds(windows).map { store.merged(into: windows.window(endingAt: $0)) }, as: .partial)
        case .sessions:
            appendSessions(sessions.openSessions().map { ($0.0, $0.1, RowKind.partial) })
        }
    }

    /// Adds one row per group of each window, windows in the given order (by start), groups by key.
    private mutating func append(_ windows: [WindowGroups], as kind: RowKind) {
        for window in windows {
            for slot in window.slotsInKeyOrder {
                pending.append(
                    result(window.bounds, window.keys[slot], window.accumulators, base: slot * metricNames.count, kind))
            }
        }
    }

    private mutating func appendSessions(_ rows: [(GroupKey, SessionStore.Session, RowKind)]) {
        for (key, session, kind) in rows {
            pending.append(result(session.bounds, key, session.accumulators, base: 0, kind))
            if !session.acknowledgements.isEmpty { pendingAcknowledgements.merge(session.acknowledgements) }
        }
    }

    /// Writes the pending rows as one batch, carrying the holds of the windows they came from.
    private mutating func flush(_ output: inout ProcessorOutput) {
        guard !pending.isEmpty || !pendingAcknowledgements.isEmpty else { return }
        output.count(.lateUpdates, pendingUpdates)
        pendingUpdates = 0
        output.emit(EventBatch(events: pending, acknowledgements: pendingAcknowledgements.take()))
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func result(
        _ bounds: WindowBounds, _ key: GroupKey, _ accumulators: [Accumulator], base: Int, _ kind: RowKind
    ) -> Event {
        var event = Event(capacity: groupBy.count + 4 + metricNames.count)
        // A null group value is written, not left out, so every output event has every group field.
        for (path, value) in zip(groupBy, key.values) { event.setValue(value, at: path) }
        if !bounds.isGlobal {
            event[windowStartName] = .int(bounds.start)
            event[windowEndName] = .int(bounds.end)
        }
        for (index, name) in metricNames.enumerated() {
            event[name] = accumulators[base + index].result
        }
        if rules.earlyInterval != nil { event[finalName] = .bool(kind != .partial) }
        if rules.latePolicy == .emitUpdate { event[updateName] = .bool(kind == .update) }
        if kind == .update { pendingUpdates += 1 }
        return event
    }
}
