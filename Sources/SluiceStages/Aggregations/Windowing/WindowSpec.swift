import SluiceCore

/// The `window` option of an aggregate: which windows events are grouped into, and by what clock.
public enum WindowSpec: Sendable, Equatable {
    /// One window over the whole input, emitted when the input ends (also what an absent `window` means).
    case global
    /// Epoch-aligned windows of `size`; by event time when `eventTime` is set, else by processing time
    /// (the wall clock when an event arrives).
    case tumbling(size: ConfigDuration, eventTime: EventTimeSpec?)

    /// The window types users can write, for `window.type`.
    enum Kind: String, CaseIterable {
        case tumbling
        case global
    }

    /// The options that only apply to time-based windows.
    private static let timeOptions = ["size", "time_field", "time_unit", "allowed_lateness"]

    /// Reads `window` from `reader`: `.global` when absent, `nil` with diagnostics when invalid.
    static func read(from reader: inout OptionsReader) -> WindowSpec? {
        guard reader.node["window"] != nil else {
            _ = reader.node("window")
            return .global
        }
        guard var options = reader.nested("window") else { return nil }
        defer { reader.merge(&options) }
        guard let kind = options.choice("type", as: Kind.self) else {
            if options.node["type"] == nil { options.missing("type") }
            // Without a valid type, the other options cannot be checked; do not also report them as unknown.
            for key in timeOptions { _ = options.node(key) }
            return nil
        }
        switch kind {
        case .global:
            for entry in options.node.entries ?? [] where timeOptions.contains(entry.key) {
                _ = options.node(entry.key)
                options.error(
                    .invalidValue, "option '\(entry.key)' does not apply to a global window", at: entry.keyLocation)
            }
            return options.diagnostics.hasErrors ? nil : .global
        case .tumbling:
            return readTumbling(from: &options)
        }
    }

    private static func readTumbling(from options: inout OptionsReader) -> WindowSpec? {
        let size = options.duration("size")
        if size == nil, options.node["size"] == nil { options.missing("size") }
        if let size, size.milliseconds == 0 {
            options.error(.invalidValue, "option 'size' must be longer than 0ms", at: options.node["size"]!.location)
        }
        let eventTime = EventTimeSpec.read(from: &options)
        guard let size, size.milliseconds > 0, !options.diagnostics.hasErrors else { return nil }
        return .tumbling(size: size, eventTime: eventTime)
    }
}

/// Event-time settings of a window: where each event's time is and how late it may arrive.
public struct EventTimeSpec: Sendable, Equatable {
    /// Where each event's time is, and its unit.
    public var field: EventTimeField
    /// How far behind the largest time seen an event may be and still be counted in its window.
    public var allowedLateness: ConfigDuration

    /// Reads `time_field`, `time_unit` and `allowed_lateness`; `nil` (processing time) without
    /// `time_field`, where the other two are errors because they cannot apply.
    static func read(from options: inout OptionsReader) -> EventTimeSpec? {
        let fieldText = options.string("time_field")
        let unit = options.choice("time_unit", as: TimeUnit.self) ?? .milliseconds
        let lateness = options.duration("allowed_lateness") ?? ConfigDuration(milliseconds: 0)
        guard let fieldText else {
            for key in ["time_unit", "allowed_lateness"] {
                guard let entry = options.node.entries?.first(where: { $0.key == key }) else { continue }
                options.error(
                    .invalidValue, "option '\(key)' needs 'time_field' (without it windows use processing time)",
                    at: entry.keyLocation)
            }
            return nil
        }
        guard let path = FieldPath(fieldText) else {
            options.error(
                .invalidValue, "'\(fieldText)' is not a field name or dotted path",
                at: options.node["time_field"]!.location)
            return nil
        }
        return EventTimeSpec(field: EventTimeField(path: path, unit: unit), allowedLateness: lateness)
    }
}
