import SluiceCore
import SluiceGraph
import Synchronization

/// Runs pipelines: one worker pool shared by every pipeline, plus a timer that ticks the stages that
/// asked for it.
public final class Engine: Sendable {
    public let options: EngineOptions
    private let pool: WorkerPool
    private let pipelines = Mutex<[RunningPipeline]>([])
    private let failureLog = FailureLog()
    private let stopping = Atomic<Bool>(false)
    private let timerDone = ConditionLock()

    public init(options: EngineOptions = EngineOptions()) {
        self.options = options
        pool = WorkerPool(workers: options.workers)
        SystemThread.start { [self] in self.tickLoop() }
    }

    /// Builds and starts `graph`; throws if a stage cannot start (then nothing of it runs).
    @discardableResult
    public func start(_ graph: StageGraph) throws(EngineError) -> RunningPipeline {
        let pipeline = try RunningPipeline(graph: graph, options: options, pool: pool, failures: failureLog)
        pipelines.withLock { $0.append(pipeline) }
        pipeline.start()
        return pipeline
    }

    /// The pipelines started so far.
    public var running: [RunningPipeline] {
        pipelines.withLock { $0 }
    }

    /// Lets go of a pipeline that has finished for good (its file was removed), with its stages' state.
    public func forget(_ pipeline: RunningPipeline) {
        pipelines.withLock { $0.removeAll { $0 === pipeline } }
    }

    /// Every stage that failed for good, in any pipeline this engine ran (including pipelines let go).
    public var failures: [FailedStage] { failureLog.all }

    /// Every stage's counters, across pipelines.
    public func snapshot() -> [StageMetricsSnapshot] {
        running.flatMap { $0.snapshot() }
    }

    /// Stops the timer and the workers; call after every pipeline has finished.
    public func shutdown() {
        stopping.store(true, ordering: .releasing)
        timerDone.withLock { timerDone.broadcast() }
        pool.shutdown()
    }

    private func tickLoop() {
        var due: [ObjectIdentifier: Int64] = [:]
        while !stopping.load(ordering: .acquiring) {
            let now = SystemClock.wallMilliseconds()
            // Rebuilt each round: a reload replaces nodes, and a replaced node's entry must not linger.
            var next: [ObjectIdentifier: Int64] = [:]
            for pipeline in running where !pipeline.isFinished {
                for (node, interval) in pipeline.tickingNodes {
                    let key = ObjectIdentifier(node)
                    var deadline = due[key] ?? 0
                    if now >= deadline {
                        deadline = now + max(interval.milliseconds, 10)
                        node.enqueue(.tick)
                    }
                    next[key] = deadline
                }
            }
            due = next
            timerDone.withLock {
                if !stopping.load(ordering: .acquiring) { timerDone.wait(seconds: 0.05) }
            }
        }
    }
}
