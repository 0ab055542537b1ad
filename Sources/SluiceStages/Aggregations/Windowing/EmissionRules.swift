import SluiceCore

/// When an aggregate emits rows besides the one row per window and group on close: `emit`, `on_late`,
/// `update_retention` and `max_groups`, in the units the aggregator works in (milliseconds).
struct EmissionRules: Sendable, Equatable {
    /// What happens to late events.
    var latePolicy: LatePolicy = .drop
    /// With `on_late: emit_update`: how far (on the watermark) past its end a window's state is kept so late
    /// events can still correct it; 0 otherwise.
    var updateRetention: Int64 = 0
    /// With `emit: every`: the interval of early (partial) rows, in processing-time milliseconds.
    var earlyInterval: Int64?
    /// The most groups one window (or, for sessions, the stage's open sessions) may hold.
    var maxGroups: Int?
    /// The most bytes the state may take, as `MemoryBudget` estimates them.
    var maxMemory = WindowedAggregationConfig.defaultMaxMemory.bytes
}

/// `emit`: when rows of a window are written.
public enum EmitMode: Sendable, Equatable {
    /// One row per window and group, when the window closes (the default).
    case onClose
    /// Besides the row on close, the current row of every open window and group every `interval`.
    case every(ConfigDuration)

    /// Reads `emit: on_close | every DURATION`; `nil` with a diagnostic when it is neither.
    static func read(from reader: inout OptionsReader) -> EmitMode? {
        guard let text = reader.string("emit") else { return .onClose }
        if text == "on_close" { return .onClose }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        if words.count == 2, words[0] == "every", let interval = ConfigDuration(parsing: String(words[1])),
            interval.milliseconds > 0
        {
            return .every(interval)
        }
        reader.error(
            .invalidValue, "option 'emit': expected 'on_close' or 'every DURATION' (e.g. every 5s), found '\(text)'",
            at: reader.location(of: "emit"))
        return nil
    }
}

/// The names of the flag fields of output rows.
enum RowFlags {
    /// `final`, written with `emit: every`: false for early rows, true for the row on close.
    static let finalName = "final"
    /// `is_update`, written with `on_late: emit_update`: true for corrected rows after late events.
    static let updateName = "is_update"
}

/// Which kind of row an aggregate writes, which sets its `final` and `is_update` fields (when enabled).
enum RowKind {
    /// An early row of a window that is still open (`final: false`).
    case partial
    /// The row written when the window closes.
    case final
    /// A corrected row of a closed window, after a late event (`is_update: true`).
    case update
}

/// Flink-style idleness for event time: once no event has arrived for `timeout` milliseconds of processing
/// time, event time is taken to advance with processing time from the latest event seen, so the last windows
/// of a quiet stream close.
struct IdleClock {
    /// Processing-time milliseconds without events after which the stream counts as idle.
    let timeout: Int64
    /// The largest event time seen.
    private var latestTime = Int64.min
    /// The processing time when `latestTime` arrived.
    private var latestArrival: Int64 = 0
    /// The processing time of the latest batch.
    private var lastArrival: Int64 = 0

    init(timeout: Int64) {
        self.timeout = timeout
    }

    /// Notes that a batch arrived at processing time `now`.
    mutating func batchArrived(at now: Int64) {
        lastArrival = now
    }

    /// Notes an event time that arrived at processing time `now`.
    mutating func observe(_ time: Int64, at now: Int64) {
        if time > latestTime {
            latestTime = time
            latestArrival = now
        }
    }

    /// The event time implied at processing time `now` when the stream is idle: the latest event time plus the
    /// processing time since it arrived; `nil` while events keep arriving (or before the first).
    func idleEventTime(at now: Int64) -> Int64? {
        guard latestTime != .min, now - lastArrival >= timeout else { return nil }
        return latestTime.saturatingAdding(now - latestArrival)
    }
}

extension Int64 {
    /// `self + other`, clamped to the representable range instead of trapping.
    func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
