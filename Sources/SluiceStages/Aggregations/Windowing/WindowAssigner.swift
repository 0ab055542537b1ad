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

/// Epoch-aligned windows of `size` starting every `slide`: `[k·slide, k·slide + size)`. Tumbling windows are
/// the case `slide == size`.
///
/// State is kept per *pane*, the tumbling windows of `gcd(size, slide)`: an event updates the one pane that
/// holds it, and a window is the merge of its `size / pane` panes when it is emitted. A sliding window thus
/// costs no copy of an event per window, and memory is proportional to open panes × groups.
///
/// Times are inside `EventTime.range` and lengths at most `EventTime.maximumLength` (the aggregate drops other
/// times as `invalid_time` and rejects longer options), so a time floored to a window, minus or plus a few
/// lengths, stays far inside `Int64`: the arithmetic here cannot overflow.
struct AlignedWindows: Sendable, Equatable {
    /// The window length in milliseconds; positive.
    let size: Int64
    /// The distance between window starts in milliseconds; positive, at most `size`.
    let slide: Int64
    /// The pane length: the greatest common divisor of `size` and `slide`.
    let pane: Int64

    init(size: Int64, slide: Int64) {
        self.size = size
        self.slide = slide
        var (a, b) = (size, slide)
        while b != 0 { (a, b) = (b, a % b) }
        pane = a
    }

    /// True when every window is exactly one pane, so panes are emitted as they are.
    var isTumbling: Bool { size == slide }

    /// The pane holding `time`.
    func pane(containing time: Int64) -> WindowBounds {
        let start = Self.floor(time, to: pane)
        return WindowBounds(start: start, end: Self.adding(start, pane))
    }

    /// The end of the last window holding `time`: once the watermark passes it, an event at `time` is late.
    func lastWindowEnd(containing time: Int64) -> Int64 {
        Self.adding(Self.floor(time, to: slide), size)
    }

    /// Calls `body` with the end of every window that holds `pane`, in increasing order.
    func forEachWindowEnd(covering pane: WindowBounds, _ body: (Int64) -> Void) {
        let lastStart = Self.floor(pane.start, to: slide)
        var start = lastStart
        // The earliest window holding the pane starts at or after `pane.end - size`.
        while start - slide >= pane.end - size { start -= slide }
        while start <= lastStart {
            body(Self.adding(start, size))
            start += slide
        }
    }

    /// The window ending at `end`.
    func window(endingAt end: Int64) -> WindowBounds {
        WindowBounds(start: end - size, end: end)
    }

    /// Floor, not truncation: a time before the epoch belongs to the window that starts before it.
    private static func floor(_ time: Int64, to step: Int64) -> Int64 {
        let remainder = time % step
        return remainder < 0 ? time - remainder - step : time - remainder
    }

    private static func adding(_ time: Int64, _ length: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(length)
        return overflow ? .max : sum
    }
}

/// How an aggregation assigns events to windows, as a closed set of concrete cases.
///
/// An enum rather than a protocol or a generic parameter of the processor: the engine calls processors
/// through `any Processor`, so generic per-event code would run unspecialized; a switch per event is cheaper.
enum WindowAssignment: Sendable, Equatable {
    /// One window over all of the input.
    case global
    /// Tumbling or sliding windows, aligned to the epoch.
    case aligned(AlignedWindows)
    /// Per group, windows that extend while events come less than `gap` milliseconds apart and merge when
    /// an event bridges two of them.
    case sessions(gap: Int64)
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
