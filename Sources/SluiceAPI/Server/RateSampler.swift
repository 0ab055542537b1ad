import SluiceCore
import SluiceEngine
import Synchronization

/// Per-stage rates over the last sampling interval: every `sample()` (once a second) compares each
/// stage's counters with the previous sample's.
public final class RateSampler: Sendable {
    /// The rates of one stage.
    public struct Rates: Sendable, Equatable {
        public var eventsInPerSecond = 0.0
        public var eventsOutPerSecond = 0.0
        /// Share of the interval each copy spent inside the stage (0...1).
        public var busyRatio = 0.0
    }

    private struct Key: Hashable {
        let pipeline: String
        let stage: String
    }

    private struct State {
        var previous: [Key: StageMetricsSnapshot] = [:]
        var previousAt: UInt64 = 0
        var rates: [Key: Rates] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Takes a sample of `snapshots`; `copies` gives each stage's parallelism.
    public func sample(_ snapshots: [StageMetricsSnapshot], copies: (StageMetricsSnapshot) -> Int) {
        let now = SystemClock.monotonicNanoseconds()
        state.withLock { state in
            let seconds = Double(now &- state.previousAt) / 1e9
            var rates: [Key: Rates] = [:]
            var current: [Key: StageMetricsSnapshot] = [:]
            for snapshot in snapshots {
                let key = Key(pipeline: snapshot.pipeline, stage: snapshot.stage)
                current[key] = snapshot
                guard let before = state.previous[key], seconds > 0 else { continue }
                rates[key] = Rates(
                    eventsInPerSecond: Double(max(0, snapshot.eventsIn - before.eventsIn)) / seconds,
                    eventsOutPerSecond: Double(max(0, snapshot.eventsOut - before.eventsOut)) / seconds,
                    busyRatio: min(
                        1,
                        max(0, snapshot.busySeconds - before.busySeconds) / seconds / Double(max(1, copies(snapshot)))))
            }
            state = State(previous: current, previousAt: now, rates: rates)
        }
    }

    /// The rates of `stage` of `pipeline` (zero before two samples).
    public func rates(pipeline: String, stage: String) -> Rates {
        state.withLock { $0.rates[Key(pipeline: pipeline, stage: stage)] ?? Rates() }
    }
}
