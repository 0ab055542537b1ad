/// The unit of work that crosses a queue: a run of events (hundreds to thousands) moved together.
///
/// Queues, metrics and backpressure count events, so a batch carries its event count implicitly and
/// the number of input bytes it was decoded from, for the bytes-in metric. It carries the
/// acknowledgements of the input its events came from (usually none); the engine passes them on to
/// whatever a stage emits from the batch (docs/writing-stages.md, Acknowledgements).
public struct EventBatch: Sendable {
    /// The events, in arrival order.
    public var events: [Event]
    /// The size of the raw input these events were decoded from, when known (0 otherwise).
    public var byteCount: Int
    /// The holds on the acknowledgements of the input these events came from.
    public var acknowledgements: AckSet

    @inlinable
    public init(events: [Event] = [], byteCount: Int = 0, acknowledgements: AckSet = AckSet()) {
        self.events = events
        self.byteCount = byteCount
        self.acknowledgements = acknowledgements
    }

    /// An empty batch with room for `capacity` events.
    @inlinable
    public init(capacity: Int) {
        events = []
        events.reserveCapacity(capacity)
        byteCount = 0
        acknowledgements = AckSet()
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
