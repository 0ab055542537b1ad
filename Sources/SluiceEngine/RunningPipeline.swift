import Logging
import SluiceCore
import SluiceGraph

/// One pipeline running on the engine's workers: it builds what an `ExecutionPlan` describes (the stages'
/// runtimes, then the nodes `PlanWiring` wires around them), runs it, and answers for it — metrics,
/// failures, stopping. How it finishes is `PipelineLifecycle`'s business, and how a running plan is
/// replaced by another is `Reloader`'s.
public final class RunningPipeline: @unchecked Sendable {
    let options: EngineOptions
    let inFlight = InFlightCounter()
    private let failures: FailureLog
    /// Shared by every stage of the pipeline, across reloads: `abandon()` tells them all to give up.
    let shutdown = ShutdownSignal()
    private let wiring: PlanWiring
    private let lifecycle = PipelineLifecycle()
    /// Guards `runtime`; its condition wakes reloads waiting for each other.
    let lock = ConditionLock()
    var runtime: PipelineRuntime

    /// Builds every stage's runtime and wires the queues of `graph`'s plan; nothing runs until `start`.
    /// Stage failures are recorded in `failures`.
    init(graph: StageGraph, options: EngineOptions, pool: WorkerPool, failures: FailureLog) throws(EngineError) {
        self.options = options
        self.failures = failures
        wiring = PlanWiring(pool: pool, inFlight: inFlight)
        let plan = ExecutionPlan(graph, queueCapacity: options.queueCapacity)
        let built = try Self.buildRuntimes(
            for: graph.nodes, metrics: Self.metrics(for: graph, reusing: [:]), options: options, shutdown: shutdown)
        runtime = PipelineRuntime(plan: plan, sources: built.sources, copies: built.copies, metrics: built.metrics)
        rewire()
    }

    /// The graph running now.
    public var graph: StageGraph { lock.withLock { runtime.plan.graph } }

    /// The execution plan running now.
    public var plan: ExecutionPlan { lock.withLock { runtime.plan } }

    /// Every stage's counters, in graph order.
    public var metrics: [StageMetrics] {
        lock.withLock { runtime.plan.graph.nodes.map { runtime.metrics[$0.id]! } }
    }

    /// Starts the sources; the processor nodes run as batches reach them.
    func start() {
        lock.withLock {
            for runner in runtime.sources.values.joined() { startSource(runner) }
        }
    }

    /// Starts a source's thread. Called with `lock` held.
    func startSource(_ runner: SourceRunner) {
        if runtime.stopped { runner.stop() }
        runner.start { [weak self] failure in self?.stageFailed(runner.log, failure) }
    }

    /// The nodes that want periodic ticks, with their interval (none while a reload is under way).
    var tickingNodes: [(ProcessorNode, ConfigDuration)] {
        lock.withLock { runtime.isReloading ? [] : runtime.tickingNodes }
    }

    /// Asks every source to stop; what was read is still processed, windows flushed and sinks finished.
    public func stop() {
        lock.withLock {
            runtime.stopped = true
            for runner in runtime.sources.values.joined() { runner.stop() }
        }
    }

    /// Tells every stage that the shutdown limit has passed (`StageContext.shutdown` turns abandoned),
    /// so a sink still retrying gives up with `StageFailure`, and asks the sources to stop.
    public func abandon() {
        shutdown.abandon()
        stop()
    }

    /// Blocks until every stage has finished.
    public func wait() {
        lifecycle.wait()
    }

    /// Blocks until every stage has finished or `seconds` pass; true when finished.
    public func wait(seconds: Double) -> Bool {
        lifecycle.wait(seconds: seconds)
    }

    /// True once every stage has finished.
    public var isFinished: Bool { lifecycle.isFinished }

    /// True once a stage of this pipeline has failed for good.
    public var hasFailed: Bool {
        lock.withLock { runtime.anyStageFailed }
    }

    /// What has not been processed yet: every stage with queued events or a call in progress.
    public func unfinishedWork() -> [UnfinishedWork] {
        lock.withLock {
            runtime.plan.graph.nodes.compactMap { node -> UnfinishedWork? in
                guard let metrics = runtime.metrics[node.id], let stageCopies = runtime.copies[node.id] else {
                    return nil
                }
                let queued = metrics.queueDepth.load(ordering: .relaxed)
                let inCall = stageCopies.compactMap(\.secondsInCall).max()
                guard queued > 0 || inCall != nil else { return nil }
                return UnfinishedWork(
                    pipeline: runtime.plan.graph.name, stage: node.id, queuedEvents: queued, secondsInCall: inCall)
            }
        }
    }

    /// Every stage's counters now.
    public func snapshot() -> [StageMetricsSnapshot] {
        metrics.map { $0.snapshot() }
    }

    /// Replaces the running graph with `graph`, keeping the stages the two share with their state (see
    /// `Reloader` for the protocol). If a new stage cannot be built, or the pipeline does not drain in
    /// time, nothing changes and the error is thrown. Nothing accepted is lost or processed twice.
    @discardableResult
    public func reload(to graph: StageGraph) throws(EngineError) -> ReloadReport {
        lock.withLock {
            while runtime.isReloading { lock.wait() }
            runtime.isReloading = true
        }
        defer {
            lock.withLock {
                runtime.isReloading = false
                lock.broadcast()
            }
        }
        return try Reloader(pipeline: self).reload(to: ExecutionPlan(graph, queueCapacity: options.queueCapacity))
    }

    // MARK: Failures

    /// A stage failed for good: logged and recorded once. Sources that can no longer reach a working
    /// sink are stopped: reading on would only feed drops.
    private func stageFailed(_ log: StageLog, _ failure: StageFailure) {
        lock.withLock {
            guard runtime.failedStages.insert(log.stage).inserted else { return }
            runtime.anyStageFailed = true
            log.error("failed for good: \(failure.message)")
            failures.record(FailedStage(pipeline: log.pipeline, stage: log.stage, message: failure.message))
            let graph = runtime.plan.graph
            let dead = Set(runtime.copies.filter { $0.value.allSatisfy(\.hasFailed) }.keys)
            for source in graph.nodes where source.kind == .source {
                let runners = runtime.sources[source.id] ?? []
                guard !runners.allSatisfy(\.isStopping),
                    Self.reachable(from: source.id, in: graph, avoiding: []).contains(log.stage),
                    !Self.reachable(from: source.id, in: graph, avoiding: dead).contains(where: {
                        graph.node($0)?.kind == .sink
                    })
                else { continue }
                runners.first?.log.warning("stopping; no sink it feeds can take events any more")
                for runner in runners { runner.stop() }
            }
        }
    }

    /// The stages downstream of `id` in `graph` along paths that do not pass through `avoiding`.
    private static func reachable(from id: String, in graph: StageGraph, avoiding: Set<String>) -> Set<String> {
        var seen: Set<String> = []
        var pending = [id]
        while let next = pending.popLast() {
            for (consumer, _) in graph.consumers(of: next)
            where !avoiding.contains(consumer.id) && seen.insert(consumer.id).inserted {
                pending.append(consumer.id)
            }
        }
        return seen
    }

    // MARK: Wiring

    /// Wires the nodes of `runtime.plan` and starts tracking them. Called with `lock` held (or from `init`),
    /// while nothing is in flight.
    func rewire() {
        let nodes = Array(wiring.wire(&runtime).joined())
        runtime.nodes = nodes
        runtime.tickingNodes = nodes.compactMap { node in node.tickInterval.map { (node, $0) } }
        let open = nodes.filter { !$0.isFinished }
        lifecycle.track(open)
        for node in open {
            node.onStageFailed = { [weak self] copy, failure in self?.stageFailed(copy.log, failure) }
        }
        // A node none of whose producers is still running will never hear an `end`: give it one.
        for node in open where !node.hasOpenInputs {
            node.addInput()
            node.enqueue(.end)
        }
    }

    // MARK: Building

    struct Runtimes {
        var sources: [String: [SourceRunner]] = [:]
        var copies: [String: [StageCopy]] = [:]
        var metrics: [String: StageMetrics]
    }

    /// One `StageMetrics` per stage id; a stage that keeps its id and type keeps its counters.
    static func metrics(for graph: StageGraph, reusing old: [String: StageMetrics]) -> [String: StageMetrics] {
        var result: [String: StageMetrics] = [:]
        for node in graph.nodes {
            if let existing = old[node.id], existing.kind == node.kind, existing.typeName == node.typeName {
                result[node.id] = existing
            } else {
                result[node.id] = StageMetrics(
                    pipeline: graph.name, stage: node.id, kind: node.kind, typeName: node.typeName)
            }
        }
        return result
    }

    /// Builds the runtimes of `stages`: the part of starting that can fail. In a reload, `replacing` is
    /// the graph running before it: a stage whose id it has is told the configuration it replaces.
    static func buildRuntimes(
        for stages: [StageNode], metrics: [String: StageMetrics], options: EngineOptions, shutdown: ShutdownSignal,
        replacing previous: StageGraph? = nil
    ) throws(EngineError) -> Runtimes {
        var runtimes = Runtimes(metrics: metrics)
        for node in stages {
            for copy in 0..<node.parallelism {
                let log = StageLog(pipeline: metrics[node.id]!.pipeline, stage: node.id)
                let context = StageContext(
                    pipeline: log.pipeline, stage: node.id, instance: copy, instanceCount: node.parallelism, log: log,
                    shutdown: shutdown, replacing: previous?.node(node.id)?.config)
                do {
                    switch node.factory {
                    case .source(let factory):
                        runtimes.sources[node.id, default: []].append(
                            SourceRunner(
                                source: try factory.make(node.config, context: context), metrics: metrics[node.id]!,
                                log: log, batchSize: options.batchSize))
                    case .transform(let factory), .aggregation(let factory), .sink(let factory):
                        runtimes.copies[node.id, default: []].append(
                            StageCopy(
                                processor: try factory.make(node.config, context: context),
                                metrics: metrics[node.id]!, portCount: 1 + node.config.namedOutputs.count, log: log))
                    }
                } catch {
                    throw .cannotStart(pipeline: log.pipeline, stage: node.id, underlying: error)
                }
            }
        }
        return runtimes
    }
}
