import SluiceCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an aggregation takes each event's time from.
enum TimeSource: Sendable {
    /// A field of the event (event time); windows close as the watermark passes their end.
    case event(EventTimeField, allowedLateness: Int64)
    /// The wall clock when the batch arrives; windows also close on `tick` as the clock passes their end.
    case processing
    /// No time at all: the global window.
    case none
}

/// The running `aggregate` stage, as the engine sees it: a shell that hands each call to its aggregator.
///
/// The state lives in a struct so the per-event code works on value storage: stored properties of a class
/// would pay a dynamic exclusivity check on every access, several per event.
final class AggregateProcessor: Processor {
    private var aggregator: WindowedAggregator
    let tickInterval: ConfigDuration?

    init(_ aggregator: WindowedAggregator, tickInterval: ConfigDuration?) {
        self.aggregator = aggregator
        self.tickInterval = tickInterval
    }

    func process(_ batch: EventBatch, output: inout ProcessorOutput) throws {
        aggregator.process(batch, output: &output)
    }

    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {
        aggregator.tick(nowMilliseconds: nowMilliseconds, output: &output)
    }

    func finish(output: inout ProcessorOutput) throws {
        aggregator.finish(output: &output)
    }
}

/// What happens to an event that arrives after every window it belongs to was emitted (`on_late`).
public enum LatePolicy: String, Sendable, Hashable, CaseIterable {
    /// Drop it, counted as a drop with reason `late` (the default).
    case drop
    /// Send it unchanged to the stage's named output `late` (`STAGE.late`).
    case route
}

/// Assigns events to windows and groups, updates accumulators in place, and emits one event per window and
/// group when the window is complete.
///
/// Per event it allocates nothing for a group already open in the window: the group-by values go into a reused
/// scratch array, are hashed once, and index a dictionary of slots; a new group costs one key array and
/// its accumulators. Aligned windows keep state per pane (see `AlignedWindows`), sessions per group and
/// session; state is proportional to open panes (or sessions) × groups and is freed when no longer needed.
struct WindowedAggregator {
    private let assignment: WindowAssignment
    private let timeSource: TimeSource
    private let latePolicy: LatePolicy
    private let groupBy: [FieldPath]
    private let arguments: [Expression?]
    private let conditions: [Expression?]
    private let metricNames: [FieldName]
    private let clock: @Sendable () -> Int64
    private var watermark: Watermark
    private var store: WindowStore
    private var sessions: SessionStore
    /// For sliding windows: every window ending at or before this has been emitted.
    private var emittedThrough = Int64.min
    /// For sliding windows: the earliest end of a window not yet emitted. A sliding window is emitted as soon
    /// as the watermark reaches its end, before the next event updates a pane it shares with later windows.
    private var nextDue = Int64.max
    private var context = EvaluationContext()
    private var keyScratch: [Value] = []
    /// Per metric, the current event's argument value, or `nil` when its `where` condition excludes the event.
    private var argumentScratch: [Value?]
    /// Arrival numbers, which order events of equal time for `first` and `last`.
    private var sequence: Int64 = 0
    private var lateEvents: [Event] = []
    private let windowStartName = FieldName("window_start")
    private let windowEndName = FieldName("window_end")

    /// An aggregator; `clock` gives epoch milliseconds for processing time (tests pass a fake one).
    init(
        assignment: WindowAssignment, timeSource: TimeSource, latePolicy: LatePolicy, groupBy: [FieldPath],
        metrics: [MetricSpec], distinctExactLimit: Int, clock: @escaping @Sendable () -> Int64
    ) {
        self.assignment = assignment
        self.timeSource = timeSource
        self.latePolicy = latePolicy
        self.groupBy = groupBy
        arguments = metrics.map(\.argument)
        conditions = metrics.map(\.condition)
        metricNames = metrics.map(\.name)
        self.clock = clock
        if case .event(_, let lateness) = timeSource {
            watermark = Watermark(allowedLateness: lateness)
        } else {
            watermark = Watermark(allowedLateness: 0)
        }
        let empty = metrics.map { $0.emptyAccumulator(distinctExactLimit: distinctExactLimit) }
        store = WindowStore(emptyAccumulators: empty)
        sessions = SessionStore(emptyAccumulators: empty)
        argumentScratch = Array(repeating: nil, count: metrics.count)
        keyScratch.reserveCapacity(groupBy.count)
    }

    mutating func process(_ batch: EventBatch, output: inout ProcessorOutput) {
        switch timeSource {
        case .event(let field, _):
            for event in batch.events {
                guard let time = field.milliseconds(of: event) else {
                    output.drop(1, reason: .missingTime, message: Self.missingTimeMessage(event, field: field))
                    continue
                }
                add(event, at: time, output: &output)
                watermark.observe(time)
                if watermark.hasPassed(nextDue) { emitComplete(output: &output) }
            }
        case .processing:
            let now = clock()
            for event in batch.events { add(event, at: now, output: &output) }
            watermark.observe(now)
        case .none:
            for event in batch.events { add(event, at: 0, output: &output) }
        }
        if !lateEvents.isEmpty {
            output.emit(EventBatch(events: lateEvents), port: 1)
            lateEvents.removeAll(keepingCapacity: true)
        }
        emitComplete(output: &output)
    }

    mutating func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) {
        guard case .processing = timeSource else { return }
        watermark.observe(nowMilliseconds)
        emitComplete(output: &output)
    }

    mutating func finish(output: inout ProcessorOutput) {
        switch assignment {
        case .global:
            emit(store.removeAll(), output: &output)
        case .aligned(let windows):
            emitAligned(windows, through: .max, output: &output)
        case .sessions:
            emitSessions(sessions.removeSessions { _ in true }, output: &output)
        }
    }

    // MARK: Per event

    /// Adds `event` to every window of `time` that is still open; handles it as late when there is none.
    private mutating func add(_ event: Event, at time: Int64, output: inout ProcessorOutput) {
        sequence += 1
        let stamp = EventStamp(time: time, sequence: sequence)
        switch assignment {
        case .global:
            update(store.index(of: .global), event, stamp)
        case .aligned(let windows):
            let lastEnd = windows.lastWindowEnd(containing: time)
            guard !watermark.hasPassed(lastEnd) else {
                late(event, at: time, windowEnd: lastEnd, output: &output)
                return
            }
            let openPanes = store.windows.count
            let pane = store.index(of: windows.pane(containing: time))
            if !windows.isTumbling, store.windows.count > openPanes {
                windows.forEachWindowEnd(covering: store.windows[pane].bounds) { end in
                    if end > emittedThrough { nextDue = min(nextDue, end) }
                }
            }
            update(pane, event, stamp)
        case .sessions(let gap):
            let key = prepare(event)
            let added = sessions.add(key, at: time, gap: gap, isComplete: watermark.hasPassed) { accumulators in
                for index in argumentScratch.indices {
                    guard let argument = argumentScratch[index] else { continue }
                    accumulators[index].add(argument, stamp: stamp)
                }
            }
            if !added { late(event, at: time, windowEnd: time &+ gap, output: &output) }
        }
    }

    /// Adds the event to its group in the window (or pane) at `window` in the store.
    private mutating func update(_ window: Int, _ event: Event, _ stamp: EventStamp) {
        let key = prepare(event)
        let base = store.windows[window].accumulatorBase(for: key)
        for index in argumentScratch.indices {
            guard let argument = argumentScratch[index] else { continue }
            store.windows[window].accumulators[base + index].add(argument, stamp: stamp)
        }
    }

    // All late handling is here: every window `event` belongs to has been emitted.
    private mutating func late(_ event: Event, at time: Int64, windowEnd: Int64, output: inout ProcessorOutput) {
        switch latePolicy {
        case .drop:
            output.drop(
                1, reason: .late,
                message: "event at \(time) ms is late: its window ended at \(windowEnd) ms, "
                    + "the watermark is at \(watermark.current) ms")
        case .route:
            lateEvents.append(event)
        }
    }

    /// Reads the event's group key and evaluates the metric arguments into the scratch arrays.
    private mutating func prepare(_ event: Event) -> GroupKey {
        keyScratch.removeAll(keepingCapacity: true)
        for path in groupBy { keyScratch.append(event.value(at: path) ?? .null) }
        for index in argumentScratch.indices {
            if let condition = conditions[index], !condition.isTrue(event, context: &context) {
                argumentScratch[index] = nil
            } else {
                argumentScratch[index] = arguments[index]?.evaluate(event, context: &context) ?? .null
            }
        }
        return GroupKey(values: keyScratch)
    }

    private static func missingTimeMessage(_ event: Event, field: EventTimeField) -> String {
        guard let value = event.value(at: field.path) else { return "event has no time field '\(field.path)'" }
        return "field '\(field.path)' is not a time: \(value.typeName) \(value.description.prefix(64))"
    }

    // MARK: Emission

    /// Emits every window the watermark has passed.
    private mutating func emitComplete(output: inout ProcessorOutput) {
        switch assignment {
        case .global:
            return
        case .aligned(let windows):
            emitAligned(windows, through: watermark.current, output: &output)
        case .sessions:
            emitSessions(sessions.removeSessions(where: watermark.hasPassed), output: &output)
        }
    }

    /// Emits the windows ending at or before `limit` (all of them for `.max`) and frees the panes no later
    /// window needs.
    private mutating func emitAligned(_ windows: AlignedWindows, through limit: Int64, output: inout ProcessorOutput) {
        if windows.isTumbling {
            emit(store.removeWindows { $0 <= limit }, output: &output)
            return
        }
        var ends = Set<Int64>()
        for pane in store.windows {
            windows.forEachWindowEnd(covering: pane.bounds) { end in
                if end > emittedThrough, end <= limit { ends.insert(end) }
            }
        }
        emit(ends.sorted().map { store.merged(into: windows.window(endingAt: $0)) }, output: &output)
        emittedThrough = max(emittedThrough, limit)
        _ = store.removeWindows { windows.lastWindowEnd(containing: $0 - 1) <= limit }
        nextDue = .max
        for pane in store.windows {
            windows.forEachWindowEnd(covering: pane.bounds) { end in
                if end > emittedThrough { nextDue = min(nextDue, end) }
            }
        }
    }

    /// Emits one event per group of each window, windows in the given order (by start), groups by key.
    private func emit(_ windows: [WindowGroups], output: inout ProcessorOutput) {
        guard !windows.isEmpty else { return }
        var batch = EventBatch(capacity: windows.reduce(0) { $0 + $1.keys.count })
        for window in windows {
            for slot in window.slotsInKeyOrder {
                batch.append(
                    result(window.bounds, window.keys[slot], window.accumulators, base: slot * metricNames.count))
            }
        }
        output.emit(batch)
    }

    private func emitSessions(_ complete: [(GroupKey, SessionStore.Session)], output: inout ProcessorOutput) {
        guard !complete.isEmpty else { return }
        var batch = EventBatch(capacity: complete.count)
        for (key, session) in complete { batch.append(result(session.bounds, key, session.accumulators, base: 0)) }
        output.emit(batch)
    }

    private func result(_ bounds: WindowBounds, _ key: GroupKey, _ accumulators: [Accumulator], base: Int) -> Event {
        var event = Event(capacity: groupBy.count + 2 + metricNames.count)
        // A null group value is written, not left out, so every output event has every group field.
        for (path, value) in zip(groupBy, key.values) { event.setValue(value, at: path) }
        if !bounds.isGlobal {
            event[windowStartName] = .int(bounds.start)
            event[windowEndName] = .int(bounds.end)
        }
        for (index, name) in metricNames.enumerated() {
            event[name] = accumulators[base + index].result
        }
        return event
    }
}

/// The system's wall clock in epoch milliseconds.
enum WallClock {
    @Sendable static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
