import SluiceCore

/// The `window` option of an aggregate: which windows events are grouped into, and by what clock.
///
/// Time-based windows are by event time when `eventTime` is set, else by processing time (the wall clock
/// when an event arrives).
public enum WindowSpec: Sendable, Equatable {
    /// One window over the whole input, emitted when the input ends (also what an absent `window` means).
    case global
    /// Epoch-aligned, non-overlapping windows of `size`.
    case tumbling(size: ConfigDuration, eventTime: EventTimeSpec?)
    /// Epoch-aligned windows of `size` starting every `slide`; an event counts in each window that covers it.
    case sliding(size: ConfigDuration, slide: ConfigDuration, eventTime: EventTimeSpec?)
    /// Per group, a window that closes after `gap` without events; sessions an event bridges merge.
    case session(gap: ConfigDuration, eventTime: EventTimeSpec?)

    /// The window types users can write, for `window.type`.
    enum Kind: String, CaseIterable {
        case tumbling
        case sliding
        case session
        case global
    }

    /// The most panes (`size / gcd(size, slide)`) a sliding window may span, which bounds the state kept per
    /// group, the work of emitting a window, and the rows one event can produce (`size / slide` ≤ panes): with
    /// 10,000, two thousand events of distinct groups made 2.6 GB of rows.
    static let maximumPanesPerWindow: Int64 = 1_000

    /// The options that only apply to time-based windows.
    private static let timeOptions = [
        "size", "slide", "gap", "time_field", "time_unit", "allowed_lateness", "idle_timeout",
    ]

    /// The event-time settings, `nil` for processing time or a global window.
    var eventTime: EventTimeSpec? {
        switch self {
        case .global: return nil
        case .tumbling(_, let eventTime), .sliding(_, _, let eventTime), .session(_, let eventTime): return eventTime
        }
    }

    /// The window assignment and the interval at which processing-time windows are checked on `tick`.
    var assignment: WindowAssignment {
        switch self {
        case .global: return .global
        case .tumbling(let size, _): return .aligned(AlignedWindows(size: size.milliseconds, slide: size.milliseconds))
        case .sliding(let size, let slide, _):
            return .aligned(AlignedWindows(size: size.milliseconds, slide: slide.milliseconds))
        case .session(let gap, _): return .sessions(gap: gap.milliseconds)
        }
    }

    /// Reads `window` from `reader`: `.global` when absent, `nil` with diagnostics when invalid.
    static func read(from reader: inout OptionsReader) -> WindowSpec? {
        guard reader.contains("window") else {
            _ = reader.node("window")
            return .global
        }
        guard var options = reader.nested("window") else { return nil }
        defer { reader.merge(&options) }
        guard let kind = options.choice("type", as: Kind.self) else {
            if !options.contains("type") { options.missing("type") }
            // Without a valid type, the other options cannot be checked; do not also report them as unknown.
            for key in timeOptions { _ = options.node(key) }
            return nil
        }
        let lengths: [String]
        switch kind {
        case .global: lengths = []
        case .tumbling: lengths = ["size"]
        case .sliding: lengths = ["size", "slide"]
        case .session: lengths = ["gap"]
        }
        let durations = lengths.map { readLength($0, from: &options) }
        let eventTime = kind == .global ? nil : EventTimeSpec.read(from: &options)
        for entry in options.mapping.entries ?? []
        where timeOptions.contains(entry.key) && !options.knownKeys.contains(entry.key) {
            _ = options.node(entry.key)
            options.error(
                .invalidValue, "option '\(entry.key)' does not apply to a \(kind.rawValue) window",
                at: entry.keyLocation)
        }
        guard !durations.contains(nil), !options.diagnostics.hasErrors else { return nil }
        switch kind {
        case .global:
            return .global
        case .tumbling:
            return .tumbling(size: durations[0]!, eventTime: eventTime)
        case .sliding:
            return readSliding(size: durations[0]!, slide: durations[1]!, eventTime: eventTime, from: &options)
        case .session:
            return .session(gap: durations[0]!, eventTime: eventTime)
        }
    }

    /// A required, positive duration.
    private static func readLength(_ key: String, from options: inout OptionsReader) -> ConfigDuration? {
        let length = readBoundedDuration(key, from: &options)
        if length == nil, !options.contains(key) { options.missing(key) }
        guard let length else { return nil }
        guard length.milliseconds > 0 else {
            options.error(.invalidValue, "option '\(key)' must be longer than 0ms", at: options.location(of: key))
            return nil
        }
        return length
    }

    /// An optional duration of at most `EventTime.maximumLength`, so window arithmetic cannot overflow; `nil`
    /// with a diagnostic when longer.
    static func readBoundedDuration(_ key: String, from options: inout OptionsReader) -> ConfigDuration? {
        guard let length = options.duration(key) else { return nil }
        guard length.milliseconds <= EventTime.maximumLength else {
            options.error(
                .invalidValue,
                "option '\(key)' (\(length)) is longer than the longest window length, "
                    + "\(ConfigDuration(milliseconds: EventTime.maximumLength))",
                at: options.location(of: key))
            return nil
        }
        return length
    }

    private static func readSliding(
        size: ConfigDuration, slide: ConfigDuration, eventTime: EventTimeSpec?, from options: inout OptionsReader
    ) -> WindowSpec? {
        let windows = AlignedWindows(size: size.milliseconds, slide: slide.milliseconds)
        if slide > size {
            options.error(
                .invalidValue,
                "option 'slide' (\(slide)) must not be longer than 'size' (\(size)); "
                    + "windows would leave gaps", at: options.location(of: "slide"))
        } else if windows.size / windows.pane > maximumPanesPerWindow {
            options.error(
                .invalidValue,
                "a \(size) window sliding by \(slide) spans \(windows.size / windows.pane) panes "
                    + "of gcd(size, slide) = \(ConfigDuration(milliseconds: windows.pane)); the most is "
                    + "\(maximumPanesPerWindow): choose a slide that divides the size more evenly",
                at: options.location(of: "slide"))
        }
        return options.diagnostics.hasErrors ? nil : .sliding(size: size, slide: slide, eventTime: eventTime)
    }
}

/// Event-time settings of a window: where each event's time is, how late it may arrive, and when a quiet
/// stream counts as idle.
public struct EventTimeSpec: Sendable, Equatable {
    /// Where each event's time is, and its unit.
    public var field: EventTimeField
    /// How far behind the largest time seen an event may be and still be counted in its window.
    public var allowedLateness: ConfigDuration
    /// After this long without events (processing time), the watermark advances with processing time.
    public var idleTimeout: ConfigDuration?

    /// Reads `time_field`, `time_unit`, `allowed_lateness` and `idle_timeout`; `nil` (processing time)
    /// without `time_field`, where the others are errors because they cannot apply.
    static func read(from options: inout OptionsReader) -> EventTimeSpec? {
        let fieldText = options.string("time_field")
        let unit = options.choice("time_unit", as: TimeUnit.self) ?? .milliseconds
        let lateness =
            WindowSpec.readBoundedDuration("allowed_lateness", from: &options) ?? ConfigDuration(milliseconds: 0)
        let idleTimeout = WindowSpec.readBoundedDuration("idle_timeout", from: &options)
        if let idleTimeout, idleTimeout.milliseconds <= 0 {
            options.error(
                .invalidValue, "option 'idle_timeout' must be longer than 0ms",
                at: options.location(of: "idle_timeout"))
        }
        guard let fieldText else {
            for key in ["time_unit", "allowed_lateness", "idle_timeout"] where options.contains(key) {
                options.error(
                    .invalidValue, "option '\(key)' needs 'time_field' (without it windows use processing time)",
                    at: options.keyLocation(of: key))
            }
            return nil
        }
        guard let path = FieldPath(fieldText) else {
            options.error(
                .invalidValue, "'\(fieldText)' is not a field name or dotted path",
                at: options.location(of: "time_field"))
            return nil
        }
        return EventTimeSpec(
            field: EventTimeField(path: path, unit: unit), allowedLateness: lateness, idleTimeout: idleTimeout)
    }
}
