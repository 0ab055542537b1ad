import SluiceCore

/// The `aggregate` stage: groups events by fields and time windows and emits one event per window and group
/// with the group-by fields, `window_start`, `window_end` and one field per metric.
///
/// Windows are tumbling (epoch-aligned, by event time or processing time) or global (one over the whole
/// input). By event time a window is emitted when the watermark — the largest event time seen minus
/// `allowed_lateness` — reaches its end; events for an emitted window are dropped as late. Every open window is
/// emitted when the input ends. Windows closing together are emitted by start, and their groups sorted by
/// group-by values (see `ValueOrder`), so output is deterministic and comparable across `parallelism`. A global
/// window has no bounds, so its events carry no `window_start` / `window_end`.
public enum WindowedAggregation: Stage {
    /// `aggregate`.
    public static let typeName = "aggregate"
    /// An aggregation: it reads `inputs` and its output feeds other stages.
    public static let kind = StageKind.aggregation
    /// One sentence for `runner stages`.
    public static let summary = "Groups events by fields and time windows and computes count, sum, avg, min, max."

    /// Every option, nested window options as `window.NAME`.
    public static let options: [OptionDoc] = [
        OptionDoc("group_by", "[field]", default: "[] (one group)", "Fields (dotted paths) whose values form a group."),
        OptionDoc("window", "mapping", default: "{ type: global }", "The windows events are grouped into."),
        OptionDoc("window.type", "tumbling | global", "Tumbling: fixed, epoch-aligned windows; global: one window."),
        OptionDoc("window.size", "duration", "The length of a tumbling window, e.g. 10s (tumbling only)."),
        OptionDoc(
            "window.time_field", "field", default: "processing time",
            "The event-time field: epoch number or RFC 3339 string; without it, the arrival time is used."),
        OptionDoc("window.time_unit", "ms | s", default: "ms", "The unit of a numeric time_field."),
        OptionDoc(
            "window.allowed_lateness", "duration", default: "0s",
            "How long after a window's end its events are still counted: the watermark trails the latest time."),
        OptionDoc(
            "metrics", "mapping of field: call",
            "Output fields and their calls: count(), sum(x), avg(x), min(x), max(x); x is an expression."),
    ]

    /// A complete pipeline using the stage.
    public static let example = """
        name: category_totals
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              category: choice(["books", "games", "music"])
              value: uniform_int(1, 100)
              ts: now()
        aggregations:
          by_category:
            type: aggregate
            inputs: [clicks]
            group_by: [category]
            window: { type: tumbling, size: 10s, time_field: ts, allowed_lateness: 2s }
            metrics:
              count: count()
              total: sum(value)
              avg_value: avg(value)
              smallest: min(value)
              largest: max(value)
        sinks:
          out:
            type: file
            inputs: [by_category]
            path: out/category_totals.ndjson
        """

    /// The validated options of an `aggregate` stage.
    public struct Config: StageConfig {
        /// The group-by fields; empty for one group.
        public var groupBy: [FieldPath]
        /// The windows; `.global` when the option is absent.
        public var window: WindowSpec
        /// The metrics, in the order written (the order of the output fields).
        public var metrics: [MetricSpec]
        /// What happens to late events.
        public var latePolicy: LatePolicy
        /// How many distinct values `count_distinct` counts exactly before it estimates.
        public var distinctExactLimit: Int

        /// `late` when late events are routed.
        public var namedOutputs: [String] { latePolicy == .route ? ["late"] : [] }

        private static let windowFieldNames = ["window_start", "window_end"]

        /// Reads and checks the options, recording every problem on `reader`.
        public init?(reading reader: inout OptionsReader) {
            let groupBy = reader.fieldList("group_by") ?? []
            let window = WindowSpec.read(from: &reader)
            let metrics = Self.readMetrics(from: &reader, groupBy: groupBy)
            let latePolicy = reader.choice("on_late", as: LatePolicy.self) ?? .drop
            let distinctExactLimit = reader.int("distinct_exact_limit", minimum: 0) ?? 10_000
            if latePolicy != .drop, window == .global, let entry = reader.node.entries?.first(where: { $0.key == "on_late" }) {
                reader.error(.invalidValue, "option 'on_late' needs a time-based window: a global window has no late events", at: entry.keyLocation)
            }
            guard let window, let metrics, !reader.diagnostics.hasErrors else { return nil }
            self.groupBy = groupBy
            self.window = window
            self.metrics = metrics
            self.latePolicy = latePolicy
            self.distinctExactLimit = distinctExactLimit
        }

        private static func readMetrics(from reader: inout OptionsReader, groupBy: [FieldPath]) -> [MetricSpec]? {
            guard let entries = reader.namedScalars("metrics") else {
                if reader.node["metrics"] == nil { reader.missing("metrics") }
                return nil
            }
            let taken = Set(groupBy.map(\.head.string) + windowFieldNames)
            var metrics: [MetricSpec] = []
            for (name, text, location) in entries {
                if taken.contains(name) {
                    let keyLocation = reader.node["metrics"]?.entries?.first { $0.key == name }?.keyLocation
                    reader.error(
                        .invalidValue, "metric '\(name)' would overwrite a group-by or window field of the output",
                        at: keyLocation ?? location)
                }
                if let metric = MetricSpec(name: name, text: text, location: location, reader: &reader) {
                    metrics.append(metric)
                }
            }
            return metrics
        }

        /// The group-by fields: with `parallelism: N` each copy owns the groups whose key hashes to it.
        public var partitionFields: [FieldPath]? { groupBy.isEmpty ? nil : groupBy }

        /// The processor, on the wall clock.
        public func makeRuntime(context: StageContext) throws -> StageRuntime {
            .processor(makeProcessor())
        }

        /// The processor, with `clock` as the processing-time clock.
        func makeProcessor(clock: @escaping @Sendable () -> Int64 = WallClock.milliseconds) -> any Processor {
            let timeSource: TimeSource
            var tickInterval: ConfigDuration?
            switch (window.assignment, window.eventTime) {
            case (.global, _):
                timeSource = .none
            case (_, let eventTime?):
                timeSource = .event(eventTime.field, allowedLateness: eventTime.allowedLateness.milliseconds)
            case (let assignment, nil):
                timeSource = .processing
                // Close processing-time windows promptly: at most a second (or a slide, or a gap) after their end.
                let step: Int64
                switch assignment {
                case .aligned(let windows): step = windows.slide
                case .sessions(let gap): step = gap
                case .global: step = 1_000
                }
                tickInterval = ConfigDuration(milliseconds: min(step, 1_000))
            }
            let aggregator = WindowedAggregator(
                assignment: window.assignment, timeSource: timeSource, latePolicy: latePolicy, groupBy: groupBy,
                metrics: metrics, distinctExactLimit: distinctExactLimit, clock: clock)
            return AggregateProcessor(aggregator, tickInterval: tickInterval)
        }
    }
}
