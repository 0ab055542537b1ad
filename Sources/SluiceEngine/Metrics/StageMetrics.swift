import SluiceCore
import Synchronization

/// The live counters of one stage (all its parallel copies together), updated by the engine around
/// every call into the stage so stages never count for themselves.
public final class StageMetrics: Sendable {
    public let pipeline: String
    public let stage: String
    public let kind: StageKind
    public let typeName: String
    /// Live samples of what the stage emits, for the API's tap.
    public let tap = StageTap()

    let eventsIn = Atomic<Int>(0)
    let eventsOut = Atomic<Int>(0)
    let bytesIn = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let queueDepth = Atomic<Int>(0)
    let queueCapacity = Atomic<Int>(0)
    let busyNanoseconds = Atomic<UInt64>(0)
    private let drops = Mutex<[DropReason: Int]>([:])
    private let counters = Mutex<[StageCounter: Int]>([:])
    /// The last lag a source reported per partition (`SourceOutput.recordLag`); empty for other stages.
    let partitionLag = Mutex<[PartitionLag]>([])

    init(pipeline: String, stage: String, kind: StageKind, typeName: String) {
        self.pipeline = pipeline
        self.stage = stage
        self.kind = kind
        self.typeName = typeName
    }

    func addDrops(_ counts: [DropReason: Int]) {
        guard !counts.isEmpty else { return }
        drops.withLock { drops in
            for (reason, count) in counts { drops[reason, default: 0] += count }
        }
    }

    func addCounters(_ counts: [StageCounter: Int]) {
        guard !counts.isEmpty else { return }
        counters.withLock { counters in
            for (name, count) in counts { counters[name, default: 0] += count }
        }
    }

    func addDrop(_ count: Int, reason: DropReason) {
        guard count > 0 else { return }
        drops.withLock { $0[reason, default: 0] += count }
    }

    /// A consistent-enough copy of the counters for display and export.
    public func snapshot() -> StageMetricsSnapshot {
        StageMetricsSnapshot(
            pipeline: pipeline, stage: stage, kind: kind, typeName: typeName,
            eventsIn: eventsIn.load(ordering: .relaxed), eventsOut: eventsOut.load(ordering: .relaxed),
            bytesIn: bytesIn.load(ordering: .relaxed), bytesOut: bytesOut.load(ordering: .relaxed),
            errors: errors.load(ordering: .relaxed), drops: drops.withLock { $0 },
            counters: counters.withLock { $0 },
            queueDepth: queueDepth.load(ordering: .relaxed), queueCapacity: queueCapacity.load(ordering: .relaxed),
            busySeconds: Double(busyNanoseconds.load(ordering: .relaxed)) / 1e9,
            partitionLag: partitionLag.withLock { $0 })
    }
}

/// The counters of one stage at one moment.
public struct StageMetricsSnapshot: Sendable, Equatable {
    public var pipeline: String
    public var stage: String
    public var kind: StageKind
    public var typeName: String
    public var eventsIn: Int
    public var eventsOut: Int
    public var bytesIn: Int
    public var bytesOut: Int
    public var errors: Int
    public var drops: [DropReason: Int]
    /// Stage-specific counts by name.
    public var counters: [StageCounter: Int]
    public var queueDepth: Int
    public var queueCapacity: Int
    public var busySeconds: Double
    /// A partitioned source's lag per partition (a `kafka` source); empty for other stages.
    public var partitionLag: [PartitionLag] = []

    /// All drops, whatever the reason.
    public var dropped: Int { drops.values.reduce(0, +) }
}
