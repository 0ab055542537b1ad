import SluiceCore
import Synchronization

/// A live sample of the events one stage emits, for the API's tap.
///
/// The engine asks `isTapped` once per batch (one relaxed atomic load), so a stage nobody listens to
/// pays nothing more. With listeners, each batch offers its first events to every subscription, up to
/// the subscription's rate (a token bucket) and the room in its buffer: a reader that does not keep up
/// loses samples (counted in `lost`), never slows the pipeline.
public final class StageTap: Sendable {
    private let listeners = Atomic<Int>(0)
    private let state = Mutex<[ObjectIdentifier: Subscriber]>([:])

    fileprivate struct Subscriber {
        var buffer: [Event] = []
        let capacity: Int
        let rate: Double
        var tokens: Double
        var refilledAt: UInt64
        var lost = 0
    }

    init() {}

    /// True while someone listens; checked once per batch on the hot path.
    @inline(__always) var isTapped: Bool { listeners.load(ordering: .relaxed) > 0 }

    /// Offers the events of `batch` to every subscription. Called by the engine when `isTapped`.
    func offer(_ batch: borrowing EventBatch) {
        let now = SystemClock.monotonicNanoseconds()
        state.withLock { subscribers in
            for key in subscribers.keys {
                subscribers[key]!.take(batch.events, now: now)
            }
        }
    }

    /// Starts a subscription taking at most `rate` events per second and holding at most `capacity`
    /// events its reader has not taken yet.
    public func subscribe(rate: Double, capacity: Int) -> TapSubscription {
        let subscription = TapSubscription(tap: self)
        state.withLock {
            $0[ObjectIdentifier(subscription)] = Subscriber(
                capacity: max(1, capacity), rate: max(0, rate), tokens: min(max(0, rate), Double(capacity)),
                refilledAt: SystemClock.monotonicNanoseconds())
        }
        listeners.add(1, ordering: .relaxed)
        return subscription
    }

    fileprivate func drain(_ subscription: TapSubscription) -> (events: [Event], lost: Int) {
        state.withLock { subscribers in
            guard var subscriber = subscribers[ObjectIdentifier(subscription)] else { return ([], 0) }
            defer { subscribers[ObjectIdentifier(subscription)] = subscriber }
            let events = subscriber.buffer
            subscriber.buffer.removeAll(keepingCapacity: true)
            return (events, subscriber.lost)
        }
    }

    fileprivate func remove(_ subscription: TapSubscription) {
        let removed = state.withLock { $0.removeValue(forKey: ObjectIdentifier(subscription)) != nil }
        if removed { listeners.subtract(1, ordering: .relaxed) }
    }
}

extension StageTap.Subscriber {
    /// Takes the first events of `events` the rate allows; those without room in the buffer are lost.
    fileprivate mutating func take(_ events: [Event], now: UInt64) {
        tokens = min(rate, tokens + Double(now &- refilledAt) / 1e9 * rate)
        refilledAt = now
        let allowed = min(events.count, Int(tokens))
        guard allowed > 0 else { return }
        tokens -= Double(allowed)
        let room = min(allowed, capacity - buffer.count)
        buffer.append(contentsOf: events.prefix(room))
        lost += allowed - room
    }
}

/// One reader of a `StageTap`; `cancel` (or dropping the last reference) ends it.
public final class TapSubscription: Sendable {
    private let tap: StageTap

    fileprivate init(tap: StageTap) {
        self.tap = tap
    }

    deinit { tap.remove(self) }

    /// The events sampled since the last call, and how many samples were lost so far because the
    /// reader did not take them in time.
    public func take() -> (events: [Event], lost: Int) {
        tap.drain(self)
    }

    /// Ends the subscription.
    public func cancel() {
        tap.remove(self)
    }
}
