import SluiceCore
import SluiceGraph

/// Tunables of the engine, set from the command line.
public struct EngineOptions: Sendable {
    /// Worker threads shared by every pipeline (sources run on threads of their own).
    public var workers: Int
    /// Events a stage's input queue holds before its producers wait.
    public var queueCapacity: Int
    /// Events a source puts in one batch.
    public var batchSize: Int
    /// How long a reload waits for the paused pipeline to drain. Before any stage was retired it then
    /// gives up (nothing changed, the running version continues); after, it logs what is still at work
    /// and keeps waiting, since rewiring with events in flight could lose or repeat them.
    public var reloadDrainLimit: ConfigDuration

    public init(
        workers: Int = SystemInfo.coreCount, queueCapacity: Int = ExecutionPlan.defaultQueueCapacity,
        batchSize: Int = 1_024,
        reloadDrainLimit: ConfigDuration = ConfigDuration(milliseconds: 10_000)
    ) {
        self.workers = workers
        self.queueCapacity = queueCapacity
        self.batchSize = batchSize
        self.reloadDrainLimit = reloadDrainLimit
    }
}

/// Facts about the machine.
public enum SystemInfo {
    /// The number of cores online.
    public static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
