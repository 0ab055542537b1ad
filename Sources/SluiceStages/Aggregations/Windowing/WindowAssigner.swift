/// A window's time range in epoch milliseconds: start inclusive, end exclusive.
public struct WindowBounds: Sendable, Hashable {
    /// The first millisecond in the window.
    public var start: Int64
    /// The first millisecond after the window.
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// The one window of a global aggregation, which spans all time and closes only when the input ends.
    public static let global = WindowBounds(start: .min, end: .max)

    /// True for `global`, whose bounds are not written to output events.
    public var isGlobal: Bool { self == .global }
}

/// Decides which windows an event belongs to, from its time.
///
/// Aligned windows (tumbling now, sliding later: `size` and `slide`, an event belongs to `size / slide`
/// windows) only need this. Session windows depend on the group's earlier events, so they will need a
/// merging refinement (Flink's `MergingWindowAssigner`) on top: the window store keys state by bounds, so a
/// merge moves a group's slot from the old bounds into the new ones, combining accumulators (a `merge` to add).
protocol WindowAssigner: Sendable {
    /// Calls `body` with every window that holds an event at `time`, in order of start.
    func forEachWindow(containing time: Int64, _ body: (WindowBounds) -> Void)
}

/// Fixed-size, non-overlapping windows aligned to the Unix epoch: `[k·size, (k+1)·size)`.
struct TumblingWindows: WindowAssigner {
    /// The window length in milliseconds; positive.
    let size: Int64

    func forEachWindow(containing time: Int64, _ body: (WindowBounds) -> Void) {
        body(bounds(containing: time))
    }

    func bounds(containing time: Int64) -> WindowBounds {
        // Floor, not truncation: a time before the epoch belongs to the window that starts before it.
        let remainder = time % size
        let start = remainder < 0 ? time - remainder - size : time - remainder
        let (end, overflow) = start.addingReportingOverflow(size)
        return WindowBounds(start: start, end: overflow ? .max : end)
    }
}

/// One window over all of the input.
struct GlobalWindow: WindowAssigner {
    func forEachWindow(containing time: Int64, _ body: (WindowBounds) -> Void) {
        body(.global)
    }
}

/// The assigner an aggregation uses, as a closed set of concrete types.
///
/// An enum rather than a generic parameter of the processor: the engine calls processors through
/// `any Processor`, so a generic processor would run its per-event code unspecialized (witness-table
/// calls and metadata lookups per event); a switch per event is cheaper. A new window type is a case here.
enum WindowAssignment: WindowAssigner {
    case tumbling(TumblingWindows)
    case global(GlobalWindow)

    func forEachWindow(containing time: Int64, _ body: (WindowBounds) -> Void) {
        switch self {
        case .tumbling(let windows): windows.forEachWindow(containing: time, body)
        case .global(let window): window.forEachWindow(containing: time, body)
        }
    }
}

/// How far event time has certainly progressed: the largest event time seen minus the allowed lateness.
///
/// A window whose end is at or below the watermark is complete: it is emitted, and an event that would
/// fall into it is late. With processing time the watermark is the clock (lateness 0).
struct Watermark {
    /// Milliseconds an event may lag behind the largest time seen and still be counted.
    let allowedLateness: Int64
    /// The current watermark; `Int64.min` before the first event.
    private(set) var current: Int64 = .min

    init(allowedLateness: Int64) {
        self.allowedLateness = allowedLateness
    }

    /// Takes an event time (or the clock) into account; the watermark never goes back.
    mutating func observe(_ time: Int64) {
        let (candidate, overflow) = time.subtractingReportingOverflow(allowedLateness)
        let value = overflow ? Int64.min : candidate
        if value > current { current = value }
    }

    /// True when a window ending at `end` is complete (emitted, or due to be).
    func hasPassed(_ end: Int64) -> Bool {
        current >= end
    }
}
