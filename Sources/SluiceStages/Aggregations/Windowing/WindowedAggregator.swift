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

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        aggregator.process(batch, output: &output)
    }

    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {
        aggregator.tick(nowMilliseconds: nowMilliseconds, output: &output)
    }

    func finish(output: inout ProcessorOutput) throws {
        aggregator.finish(output: &output)
    }
}

/// Assigns events to windows and groups, updates accumulators in place, and emits one event per window and
/// group when the window is complete.
///
/// Per event it allocates nothing for a group already open in the window: the group-by values go into a reused
/// scratch array, are hashed once, and index a dictionary of slots; a new group costs one key array and
/// its accumulators. State is proportional to open windows × groups; a window's state is freed when emitted.
struct WindowedAggregator {
    private let assigner: WindowAssignment
    private let timeSource: TimeSource
    private let groupBy: [FieldPath]
    private let arguments: [Expression?]
    private let conditions: [Expression?]
    private let metricNames: [FieldName]
    private let clock: @Sendable () -> Int64
    private var watermark: Watermark
    private var store: WindowStore
    private var context = EvaluationContext()
    private var keyScratch: [Value] = []
    /// Per metric, the current event's argument value, or `nil` when its `where` condition excludes the event.
    private var argumentScratch: [Value?]
    private let windowStartName = FieldName("window_start")
    private let windowEndName = FieldName("window_end")

    /// An aggregator; `clock` gives epoch milliseconds for processing time (tests pass a fake one).
    init(
        assigner: WindowAssignment, timeSource: TimeSource, groupBy: [FieldPath], metrics: [MetricSpec],
        clock: @escaping @Sendable () -> Int64
    ) {
        self.assigner = assigner
        self.timeSource = timeSource
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
        store = WindowStore(emptyAccumulators: metrics.map(\.function.emptyAccumulator))
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
            }
        case .processing:
            let now = clock()
            for event in batch.events { add(event, at: now, output: &output) }
            watermark.observe(now)
        case .none:
            for event in batch.events { add(event, at: 0, output: &output) }
        }
        emit(store.removeWindows(where: watermark.hasPassed), output: &output)
    }

    mutating func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) {
        guard case .processing = timeSource else { return }
        watermark.observe(nowMilliseconds)
        emit(store.removeWindows(where: watermark.hasPassed), output: &output)
    }

    mutating func finish(output: inout ProcessorOutput) {
        emit(store.removeAll(), output: &output)
    }

    // MARK: Per event

    /// Adds `event` to every window of `time` that is still open; drops it as late when there is none.
    private mutating func add(_ event: Event, at time: Int64, output: inout ProcessorOutput) {
        var key: GroupKey?
        var latestEnd = Int64.min
        assigner.forEachWindow(containing: time) { bounds in
            latestEnd = bounds.end
            guard !watermark.hasPassed(bounds.end) else { return }
            let groupKey = key ?? prepare(event)
            key = groupKey
            let window = store.index(of: bounds)
            let base = store.windows[window].accumulatorBase(for: groupKey)
            for index in argumentScratch.indices {
                guard let argument = argumentScratch[index] else { continue }
                store.windows[window].accumulators[base + index].add(argument)
            }
        }
        if key == nil {
            output.drop(
                1, reason: .late,
                message: "event at \(time) ms is late: its window ended at \(latestEnd) ms, "
                    + "the watermark is at \(watermark.current) ms")
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

    /// Emits one event per group of each window, windows in the given order (by start), groups by key.
    private func emit(_ windows: [WindowGroups], output: inout ProcessorOutput) {
        guard !windows.isEmpty else { return }
        var batch = EventBatch(capacity: windows.reduce(0) { $0 + $1.keys.count })
        for window in windows {
            for slot in window.slotsInKeyOrder {
                batch.append(result(of: window, slot: slot))
            }
        }
        output.emit(batch)
    }

    private func result(of window: WindowGroups, slot: Int) -> Event {
        var event = Event(capacity: groupBy.count + 2 + metricNames.count)
        // A null group value is written, not left out, so every output event has every group field.
        for (path, value) in zip(groupBy, window.keys[slot].values) { event.setValue(value, at: path) }
        if !window.bounds.isGlobal {
            event[windowStartName] = .int(window.bounds.start)
            event[windowEndName] = .int(window.bounds.end)
        }
        let base = slot * metricNames.count
        for (index, name) in metricNames.enumerated() {
            event[name] = window.accumulators[base + index].result
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
