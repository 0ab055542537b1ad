import SluiceCore

/// `type: aggregate`: groups events by fields and time windows and computes metrics per window and group.
extension WindowedAggregation: AggregationStage {
    typealias Config = WindowedAggregationConfig
    /// `aggregate`.
    static let typeName = "aggregate"
    /// One sentence for `runner stages`.
    static let summary =
        "Groups events by fields and tumbling, sliding, session or global windows and computes metrics "
        + "(count, sum, avg, min, max, stddev, variance, first, last, count_distinct, percentile, median, top_k); "
        + "emission rules and error bounds: docs/aggregations.md."

    /// Every option, nested window options as `window.NAME`.
    static let options: [OptionDoc] = [
        OptionDoc("group_by", "[field]", default: "[] (one group)", "Fields (dotted paths) whose values form a group."),
        OptionDoc("window", "mapping", default: "{ type: global }", "The windows events are grouped into."),
        OptionDoc(
            "window.type", "tumbling | sliding | session | global",
            "Tumbling: fixed, epoch-aligned windows; sliding: windows of `size` every `slide`, an event counts in "
                + "each that covers it; session: per group, closes after `gap` without events; global: one window."),
        OptionDoc("window.size", "duration", "The length of a tumbling or sliding window, e.g. 60s."),
        OptionDoc(
            "window.slide", "duration",
            "Sliding only: the distance between window starts, at most `size`; windows start at multiples of it."),
        OptionDoc(
            "window.gap", "duration",
            "Session only: a session ends `gap` after its last event; events closer than that (or an event "
                + "bridging two sessions) join one session."),
        OptionDoc(
            "window.time_field", "field", default: "processing time",
            "The event-time field: epoch number or RFC 3339 string; without it, the arrival time is used."),
        OptionDoc("window.time_unit", "ms | s", default: "ms", "The unit of a numeric time_field."),
        OptionDoc(
            "window.allowed_lateness", "duration", default: "0s",
            "How long after a window's end its events are still counted: the watermark trails the latest time."),
        OptionDoc(
            "window.idle_timeout", "duration", default: "none",
            "Event time only: after this long without any event (processing time), the watermark advances with "
                + "processing time from the latest event, so a quiet stream's last windows close; without it they "
                + "close at end of input or shutdown."),
        OptionDoc(
            "metrics", "mapping of field: call",
            "Output fields and their calls: count(), sum(x), avg(x), min(x), max(x), stddev(x), variance(x), "
                + "first(x), last(x), count_distinct(x), percentile(x, q), median(x), top_k(x, k); x is an "
                + "expression; `call where condition` counts only matching events. See docs/aggregations.md."),
        OptionDoc(
            "on_late", "drop | route | emit_update", default: "drop",
            "Late events (every window they belong to was emitted): drop and count them (drop reason `late`); "
                + "send them unchanged to the named output `ID.late` (counter `late_routed`); or keep closed "
                + "windows for `update_retention` and write each affected window's corrected row with "
                + "`is_update: true` (counter `late_updates`; every row then has `is_update`)."),
        OptionDoc(
            "update_retention", "duration", default: "the window's size (sessions: gap)",
            "With on_late: emit_update, how far past its end (measured on the watermark) a window can still be "
                + "updated; later events are dropped as `late`."),
        OptionDoc(
            "emit", "on_close | every DURATION", default: "on_close",
            "on_close: one row per window and group when it closes. every 5s: also the current row of every open "
                + "window and group every 5 s (processing time); rows then carry `final: false` (early) or "
                + "`final: true` (on close)."),
        OptionDoc(
            "max_groups", "int", default: "no limit",
            "The most groups one window holds (sessions: groups with sessions in the stage); events of a new group "
                + "beyond it are dropped (drop reason `max_groups`, logged), existing groups keep counting."),
        OptionDoc(
            "max_memory", "size", default: "256MiB",
            "The most memory the stage's state may take, estimated from its groups × windows (or panes, sessions) "
                + "× per-metric state; at the limit, events of new groups are dropped (drop reason `max_memory`, "
                + "logged) while existing groups keep counting. Per copy with `parallelism`."),
        OptionDoc(
            "distinct_exact_limit", "int", default: "10000",
            "count_distinct counts exactly up to this many values per window and group, then estimates "
                + "(HyperLogLog, ±2.5 %)."),
    ]

    /// A complete pipeline using the stage.
    static let example = """
        name: latency_percentiles
        sources:
          requests:
            type: generate
            count: 1000
            fields:
              path: choice(["/", "/cart", "/pay"])
              status: choice(["ok", "ok", "error"])
              latency_ms: uniform_int(1, 900)
              user: uniform_int(1, 50)
              ts: now()
        aggregations:
          by_path:
            type: aggregate
            inputs: [requests]
            group_by: [path]
            window: { type: sliding, size: 60s, slide: 10s, time_field: ts, allowed_lateness: 2s, idle_timeout: 30s }
            on_late: route
            max_groups: 1000
            metrics:
              count: count()
              errors: count() where status == "error"
              avg_latency: avg(latency_ms)
              p99_latency: percentile(latency_ms, 0.99)
              median_latency: median(latency_ms)
              stddev_latency: stddev(latency_ms)
              users: count_distinct(user)
              top_status: top_k(status, 2)
              first_status: first(status)
        sinks:
          out:
            type: file
            inputs: [by_path]
            path: out/latency_percentiles.ndjson
          late:
            type: file
            inputs: [by_path.late]
            path: out/latency_percentiles_late.ndjson
        """
}

/// The validated options of an `aggregate` stage.
public struct WindowedAggregationConfig: ProcessorConfig {
    /// The default `max_memory`: room for about a million groups with a few plain metrics.
    public static let defaultMaxMemory = ConfigSize(bytes: 256 << 20)

    /// The group-by fields; empty for one group.
    public var groupBy: [FieldPath]
    /// The windows; `.global` when the option is absent.
    public var window: WindowSpec
    /// The metrics, in the order written (the order of the output fields).
    public var metrics: [MetricSpec]
    /// What happens to late events.
    public var latePolicy: LatePolicy
    /// With `on_late: emit_update`, how long past its end (on the watermark) a window can still be updated;
    /// `nil` for the default, the window's size (or gap).
    public var updateRetention: ConfigDuration?
    /// When rows are emitted: on close, or also early on an interval.
    public var emit: EmitMode
    /// The most groups per window (per stage for sessions); `nil` for no cap.
    public var maxGroups: Int?
    /// How many distinct values `count_distinct` counts exactly before it estimates.
    public var distinctExactLimit: Int
    /// The most memory the state may take (`max_memory`).
    public var maxMemory: ConfigSize

    /// `late` when late events are routed.
    public var namedOutputs: [String] { latePolicy == .route ? ["late"] : [] }

    private static let windowFieldNames = ["window_start", "window_end"]

    /// Reads and checks the options, recording every problem on `reader`.
    public init?(reading reader: inout OptionsReader) {
        let groupBy = reader.fieldList("group_by") ?? []
        let window = WindowSpec.read(from: &reader)
        let latePolicy = reader.choice("on_late", as: LatePolicy.self) ?? .drop
        let updateRetention = WindowSpec.readBoundedDuration("update_retention", from: &reader)
        let emit = EmitMode.read(from: &reader)
        let maxGroups = reader.int("max_groups", minimum: 1)
        let distinctExactLimit = reader.int("distinct_exact_limit", minimum: 0) ?? 10_000
        let maxMemory = reader.size("max_memory") ?? Self.defaultMaxMemory
        if maxMemory.bytes == 0 {
            reader.error(
                .invalidValue, "option 'max_memory' must be larger than 0", at: reader.location(of: "max_memory"))
        }
        var flagFields: [String] = []
        if case .every = emit { flagFields.append(RowFlags.finalName) }
        if latePolicy == .emitUpdate { flagFields.append(RowFlags.updateName) }
        let metrics = Self.readMetrics(from: &reader, reserved: groupBy.map(\.head.string) + flagFields)
        if latePolicy != .drop, window == .global {
            reader.error(
                .invalidValue, "option 'on_late' needs a time-based window: a global window has no late events",
                at: reader.keyLocation(of: "on_late"))
        }
        if latePolicy != .emitUpdate, reader.contains("update_retention") {
            reader.error(
                .invalidValue, "option 'update_retention' needs 'on_late: emit_update'",
                at: reader.keyLocation(of: "update_retention"))
        }
        guard let window, let metrics, let emit, !reader.diagnostics.hasErrors else { return nil }
        self.groupBy = groupBy
        self.window = window
        self.metrics = metrics
        self.latePolicy = latePolicy
        self.updateRetention = updateRetention
        self.emit = emit
        self.maxGroups = maxGroups
        self.distinctExactLimit = distinctExactLimit
        self.maxMemory = maxMemory
    }

    /// The metrics; `reserved` are the other output fields, which a metric must not overwrite.
    private static func readMetrics(from reader: inout OptionsReader, reserved: [String]) -> [MetricSpec]? {
        guard let entries = reader.namedScalars("metrics") else {
            if !reader.contains("metrics") { reader.missing("metrics") }
            return nil
        }
        let taken = Set(reserved + windowFieldNames)
        var metrics: [MetricSpec] = []
        for (name, nameLocation, text, positions, literals) in entries {
            if taken.contains(name) {
                reader.error(
                    .invalidValue, "metric '\(name)' would overwrite a group-by, window or flag field of the output",
                    at: nameLocation)
            }
            if let metric = MetricSpec(
                name: name, text: text, positions: positions, literals: literals, reader: &reader)
            {
                metrics.append(metric)
            }
        }
        return metrics
    }

    /// The group-by fields: with `parallelism: N` each copy owns the groups whose key hashes to it.
    public var partitionFields: [FieldPath]? { groupBy.isEmpty ? nil : groupBy }

    /// The processor, on the wall clock.
    public func makeProcessor(context: StageContext) throws -> any Processor {
        makeAggregation()
    }

    /// The processor, with `clock` as the processing-time clock.
    func makeAggregation(clock: @escaping @Sendable () -> Int64 = SystemClock.wallMilliseconds) -> WindowedAggregation {
        let timeSource: TimeSource
        // Ticks drive processing-time windows, idleness and early rows; at most a second apart so windows
        // close (and idleness is noticed) promptly.
        var tickPeriods: [Int64] = []
        switch (window.assignment, window.eventTime) {
        case (.global, _):
            timeSource = .none
        case (_, let eventTime?):
            let idleTimeout = eventTime.idleTimeout?.milliseconds
            timeSource = .event(
                eventTime.field, allowedLateness: eventTime.allowedLateness.milliseconds, idleTimeout: idleTimeout)
            if let idleTimeout { tickPeriods.append(idleTimeout) }
        case (let assignment, nil):
            timeSource = .processing
            switch assignment {
            case .aligned(let windows): tickPeriods.append(windows.slide)
            case .sessions(let gap): tickPeriods.append(gap)
            case .global: break
            }
        }
        var rules = EmissionRules(latePolicy: latePolicy, maxGroups: maxGroups, maxMemory: maxMemory.bytes)
        if case .every(let interval) = emit {
            rules.earlyInterval = interval.milliseconds
            tickPeriods.append(interval.milliseconds)
        }
        if latePolicy == .emitUpdate { rules.updateRetention = updateRetention?.milliseconds ?? defaultRetention }
        let tickInterval = tickPeriods.min().map { ConfigDuration(milliseconds: min($0, 1_000)) }
        let aggregator = WindowedAggregator(
            assignment: window.assignment, timeSource: timeSource, rules: rules, groupBy: groupBy,
            metrics: metrics, distinctExactLimit: distinctExactLimit, clock: clock)
        return WindowedAggregation(aggregator, tickInterval: tickInterval)
    }

    /// The default `update_retention`: the window's size, or a session's gap.
    private var defaultRetention: Int64 {
        switch window.assignment {
        case .global: return 0
        case .aligned(let windows): return windows.size
        case .sessions(let gap): return gap
        }
    }
}

/// The running `aggregate` stage: groups events by fields and time windows and emits one event per window and group
/// with the group-by fields, `window_start`, `window_end` and one field per metric.
///
/// Windows are tumbling, sliding (kept as panes, see `AlignedWindows`), session (per group, merging) or global,
/// by event time or processing time. By event time a window is emitted when the watermark — the largest event
/// time seen minus `allowed_lateness` — reaches its end; an event whose windows have all been emitted is late
/// and dropped or routed (`on_late`). Every open window is emitted when the input ends. Windows closing
/// together are emitted by start, and their groups sorted by group-by values (see `ValueOrder`), so output is
/// deterministic and comparable across `parallelism`. A global window has no bounds, so its events carry no
/// `window_start` / `window_end`. docs/aggregations.md has the exact rules and the error bounds.
///
/// As the engine sees it, this is a shell that hands each call to its `WindowedAggregator`. The state lives in a struct so the per-event code works on value storage: stored properties of a class
/// would pay a dynamic exclusivity check on every access, several per event.
final class WindowedAggregation: Processor {
    private var aggregator: WindowedAggregator
    let tickInterval: ConfigDuration?

    init(_ aggregator: WindowedAggregator, tickInterval: ConfigDuration?) {
        self.aggregator = aggregator
        self.tickInterval = tickInterval
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        // The events stay in windows after this call: the windows hold their acknowledgements.
        aggregator.process(batch, acknowledgements: output.holdAcknowledgements(), output: &output)
    }

    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {
        aggregator.tick(nowMilliseconds: nowMilliseconds, output: &output)
    }

    func finish(output: inout ProcessorOutput) throws {
        aggregator.finish(output: &output)
    }
}
