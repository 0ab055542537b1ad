/// The unit of work that crosses a queue: a run of events (hundreds to thousands) moved together.
///
/// Queues, metrics and backpressure count events, so a batch carries its event count implicitly and
/// the number of input bytes it was decoded from, for the bytes-in metric.
public struct EventBatch: Sendable {
    /// The events, in arrival order.
    public var events: [Event]
    /// The size of the raw input these events were decoded from, when known (0 otherwise).
    public var byteCount: Int

    @inlinable
    public init(events: [Event] = [], byteCount: Int = 0) {
        self.events = events
        self.byteCount = byteCount
    }

    /// An empty batch with room for `capacity` events.
    @inlinable
    public init(capacity: Int) {
        events = []
        events.reserveCapacity(capacity)
        byteCount = 0
    }

    @inlinable
    public var count: Int { events.count }

    @inlinable
    public var isEmpty: Bool { events.isEmpty }

    @inlinable
    public mutating func append(_ event: Event) {
        events.append(event)
    }
}
