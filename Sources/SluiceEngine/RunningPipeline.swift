import SluiceCore
import SluiceGraph
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One pipeline's stages, built from a `StageGraph` and running on the engine's workers; a reload
/// replaces the graph while it runs.
///
/// Stateless transforms are fused with the stage after them when that stage is their only consumer and
/// reads nothing else, so the chain runs in one turn without a queue hop between its stages.
public final class RunningPipeline: @unchecked Sendable {
    private let options: EngineOptions
    private let pool: WorkerPool
    private let inFlight = InFlightCounter()
    private let failures: FailureLog
    /// Shared by every stage of the pipeline, across reloads: `abandon()` tells them all to give up.
    private let shutdown = ShutdownSignal()
    /// Serialises reloads and guards everything below.
    private let lock = ConditionLock()
    private var current: StageGraph
    private var sources: [String: [SourceRunner]] = [:]
    /// Sources a reload removed or replaced that have not returned yet, with the stages they fed. They
    /// may still hold a batch they read: it goes to those stages, and their `end` closes them.
    private var retiring: [(runner: SourceRunner, readers: [String])] = []
    private var copies: [String: [StageCopy]] = [:]
    private var metricsById: [String: StageMetrics] = [:]
    private var nodes: [ProcessorNode] = []
    private var unfinished = 0
    private var isDone = false
    private var isReloading = false
    private var stopped = false
    /// Ids of the running stages that failed for good, each logged once (a reload that replaces one
    /// takes it off), and whether any stage ever failed.
    private var failedStages: Set<String> = []
    private var anyStageFailed = false

    /// Builds every stage's runtime and wires the queues; nothing runs until `start`. Stage failures are
    /// recorded in `failures`.
    init(graph: StageGraph, options: EngineOptions, pool: WorkerPool, failures: FailureLog) throws(EngineError) {
        self.options = options
        self.pool = pool
        self.failures = failures
        current = graph
        let built = try Self.buildRuntimes(
            for: graph.nodes, metrics: Self.metrics(for: graph, reusing: [:]), options: options, shutdown: shutdown)
        sources = built.sources
        copies = built.copies
        metricsById = built.metrics
        wire(graph)
    }

    /// The graph running now.
    public var graph: StageGraph { lock.withLock { current } }

    /// Every stage's counters, in graph order.
    public var metrics: [StageMetrics] {
        lock.withLock { current.nodes.map { metricsById[$0.id]! } }
    }

    /// Starts the sources; the processor nodes run as batches reach them.
    func start() {
        lock.withLock {
            for runner in sources.values.joined() { startSource(runner) }
        }
    }

    private func startSource(_ runner: SourceRunner) {
        runner.start { [weak self] failure in self?.stageFailed(runner.log, failure) }
    }

    /// The nodes that want periodic ticks, with their interval (none while a reload is under way).
    var tickingNodes: [(ProcessorNode, ConfigDuration)] {
        lock.withLock {
            isReloading ? [] : nodes.compactMap { node in node.tickInterval.map { (node, $0) } }
        }
    }

    /// Asks every source to stop; what was read is still processed, windows flushed and sinks finished.
    public func stop() {
        lock.withLock {
            stopped = true
            for runner in sources.values.joined() { runner.stop() }
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
        lock.withLock {
            while !isDone { lock.wait() }
        }
    }

    /// Blocks until every stage has finished or `seconds` pass; true when finished.
    public func wait(seconds: Double) -> Bool {
        let deadline = SystemClock.monotonicNanoseconds() + UInt64(max(0, seconds) * 1e9)
        return lock.withLock {
            while !isDone {
                let now = SystemClock.monotonicNanoseconds()
                guard now < deadline else { return false }
                lock.wait(seconds: Double(deadline - now) / 1e9)
            }
            return true
        }
    }

    /// True once a stage of this pipeline has failed for good.
    public var hasFailed: Bool {
        lock.withLock { anyStageFailed }
    }

    /// What has not been processed yet: every stage with queued events or a call in progress.
    public func unfinishedWork() -> [UnfinishedWork] {
        lock.withLock {
            current.nodes.compactMap { node -> UnfinishedWork? in
                guard let metrics = metricsById[node.id], let stageCopies = copies[node.id] else { return nil }
                let queued = metrics.queueDepth.load(ordering: .relaxed)
                let inCall = stageCopies.compactMap(\.secondsInCall).max()
                guard queued > 0 || inCall != nil else { return nil }
                return UnfinishedWork(
                    pipeline: current.name, stage: node.id, queuedEvents: queued, secondsInCall: inCall)
            }
        }
    }

    // MARK: Failures

    /// A stage failed for good: logged and recorded once. Sources that can no longer reach a working
    /// sink are stopped: reading on would only feed drops.
    private func stageFailed(_ log: StageLog, _ failure: StageFailure) {
        lock.withLock {
            guard failedStages.insert(log.stage).inserted else { return }
            anyStageFailed = true
            log.error("failed for good: \(failure.message)")
            failures.record(FailedStage(pipeline: log.pipeline, stage: log.stage, message: failure.message))
            let dead = Set(copies.filter { $0.value.allSatisfy(\.hasFailed) }.keys)
            for source in current.nodes where source.kind == .source {
                let runners = sources[source.id] ?? []
                guard !runners.allSatisfy(\.isStopping), reachable(from: source.id, avoiding: []).contains(log.stage),
                    !reachable(from: source.id, avoiding: dead).contains(where: { current.node($0)?.kind == .sink })
                else { continue }
                StandardError.write(
                    "warning: pipeline '\(log.pipeline)' stage '\(source.id)': stopping; no sink it feeds can take "
                        + "events any more\n")
                for runner in runners { runner.stop() }
            }
        }
    }

    /// The stages downstream of `id` along paths that do not pass through `avoiding`. Called with `lock` held.
    private func reachable(from id: String, avoiding: Set<String>) -> Set<String> {
        var seen: Set<String> = []
        var pending = [id]
        while let next = pending.popLast() {
            for (consumer, _) in current.consumers(of: next)
            where !avoiding.contains(consumer.id) && seen.insert(consumer.id).inserted {
                pending.append(consumer.id)
            }
        }
        return seen
    }

    /// True once every stage has finished.
    public var isFinished: Bool {
        lock.withLock { isDone }
    }

    /// Every stage's counters now.
    public func snapshot() -> [StageMetricsSnapshot] {
        metrics.map { $0.snapshot() }
    }

    // MARK: Reload

    /// Replaces the running graph with `graph`, keeping the stages the two share with their state.
    ///
    /// New stages are built first; if one cannot be built nothing changes and the error is thrown.
    /// Then the sources pause, the pipeline drains until no event is in flight, removed and changed
    /// stages are finished (flushing what they hold downstream), the nodes are rebuilt around the kept
    /// stages, and the sources resume. Nothing accepted is lost or processed twice.
    @discardableResult
    public func reload(to graph: StageGraph) throws(EngineError) -> ReloadReport {
        lock.withLock {
            while isReloading { lock.wait() }
            isReloading = true
        }
        defer {
            lock.withLock {
                isReloading = false
                lock.broadcast()
            }
        }
        let old = lock.withLock { current }
        let diff = GraphDiff(from: old, to: graph)
        let fresh = graph.nodes.filter { diff.retired.contains($0.id) || diff.added.contains($0.id) }
        let metrics = lock.withLock { Self.metrics(for: graph, reusing: metricsById) }
        var built = try Self.buildRuntimes(
            for: fresh, metrics: metrics, options: options, shutdown: shutdown, replacing: old)

        let started = SystemClock.monotonicNanoseconds()
        let (oldSources, oldNodes) = lock.withLock { (sources, nodes) }
        let paused = lock.withLock { Array(oldSources.values.joined()) + retiring.map(\.runner) }
        for runner in paused { runner.pause() }
        // Nothing has changed yet, so a pipeline that does not drain in time can be left as it was.
        guard inFlight.waitForZero(seconds: options.reloadDrainLimit.seconds) else {
            for runner in paused { runner.resume() }
            throw .notQuiet(pipeline: old.name, seconds: options.reloadDrainLimit.seconds, busy: unfinishedWork())
        }
        // A kept stage that has already finished (its branch ran out of input) is built again when the
        // new graph feeds it once more: a finished stage must not process anything. Known only now that
        // the pipeline is quiet; if it cannot be built, nothing has changed yet.
        let fedAgain = lock.withLock { finishedStagesFedAgain(in: graph, diff: diff) }
        do {
            let revived = try Self.buildRuntimes(
                for: graph.nodes.filter { fedAgain.contains($0.id) }, metrics: metrics, options: options,
                shutdown: shutdown, replacing: old)
            built.copies.merge(revived.copies) { _, new in new }
        } catch {
            for runner in paused { runner.resume() }
            throw error
        }
        let retired = diff.retired.union(fedAgain)
        // Finish retired stages upstream first, so what one flushes still reaches the others.
        for node in oldNodes {
            let leaving = Set(node.links.filter { retired.contains($0.metrics.stage) }.map(ObjectIdentifier.init))
            guard !leaving.isEmpty else { continue }
            node.enqueue(.retire(leaving))
            waitUntilQuiet()
        }
        // A tick sent just before the pause may still arrive; the old nodes refuse it, or it drains here.
        for node in oldNodes { node.markReplaced() }
        waitUntilQuiet()
        lock.withLock {
            var keptSources = oldSources.filter { !retired.contains($0.key) }
            var keptCopies = copies.filter { !retired.contains($0.key) && graph.node($0.key) != nil }
            keptSources.merge(built.sources) { _, new in new }
            keptCopies.merge(built.copies) { _, new in new }
            for (id, runners) in oldSources where retired.contains(id) {
                let readers = old.consumers(of: id).map(\.node.id)
                for runner in runners {
                    runner.stop()
                    retiring.append((runner, readers))
                }
            }
            sources = keptSources
            copies = keptCopies
            failedStages.subtract(retired)
            metricsById = metrics
            current = graph
            wire(graph)
            for (id, runners) in built.sources where sources[id] != nil {
                for runner in runners {
                    if stopped { runner.stop() }
                    startSource(runner)
                }
            }
        }
        for runner in paused { runner.resume() }
        let pause = Double(SystemClock.monotonicNanoseconds() - started) / 1e6
        return ReloadReport(diff: diff, pauseMilliseconds: pause)
    }

    /// Kept processor stages whose every copy has finished but that a live producer of `graph` feeds:
    /// a source that is new, changed or still running, or a stage fed by one. Called with `lock` held.
    private func finishedStagesFedAgain(in graph: StageGraph, diff: GraphDiff) -> Set<String> {
        let replaced = diff.retired.union(diff.added)
        var live: Set<String> = []
        var fedAgain: Set<String> = []
        for node in graph.nodes {
            if node.kind == .source {
                let running = sources[node.id]?.contains { !$0.hasEnded } ?? false
                if replaced.contains(node.id) || running { live.insert(node.id) }
                continue
            }
            guard node.inputs.contains(where: { live.contains($0.stage) }) else { continue }
            live.insert(node.id)
            if !replaced.contains(node.id), let kept = copies[node.id], kept.allSatisfy(\.finished) {
                fedAgain.insert(node.id)
            }
        }
        return fedAgain
    }

    /// Sleeps until no message is queued or being handled; sources must be paused. Called once retired
    /// stages are finishing, when there is no going back: each time the drain limit passes it logs what
    /// is still at work, and waits on.
    private func waitUntilQuiet() {
        let limit = options.reloadDrainLimit.seconds
        var waited = 0.0
        while !inFlight.waitForZero(seconds: limit) {
            waited += limit
            let busy = unfinishedWork().map(\.summary).joined(separator: "; ")
            StandardError.write(
                "error: pipeline '\(graph.name)': a reload has waited \(NumberText.fixed(waited, decimals: 1)) s for "
                    + "retired stages to drain; its sources stay paused until they do (\(busy))\n")
        }
    }

    // MARK: Building

    private struct Runtimes {
        var sources: [String: [SourceRunner]] = [:]
        var copies: [String: [StageCopy]] = [:]
        var metrics: [String: StageMetrics]
    }

    /// One `StageMetrics` per stage id; a stage that keeps its id and type keeps its counters.
    private static func metrics(for graph: StageGraph, reusing old: [String: StageMetrics]) -> [String: StageMetrics] {
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
    private static func buildRuntimes(
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

    /// Builds the nodes for `graph` around the current stage copies and connects every producer to its
    /// consumers. Called with `lock` held (or from `init`), while nothing is in flight.
    private func wire(_ graph: StageGraph) {
        let plan = FusionPlan(graph)
        var heads: [String: [ProcessorNode]] = [:]
        var tailOwner: [String: String] = [:]
        var built: [ProcessorNode] = []
        for chain in plan.chains {
            let head = chain[0]
            let nodeCopies = (0..<head.parallelism).map { copy in
                ProcessorNode(
                    name: chain.map(\.id).joined(separator: "+") + (head.parallelism > 1 ? "#\(copy)" : ""),
                    links: chain.map { copies[$0.id]![copy] }, capacity: options.queueCapacity, pool: pool,
                    inFlight: inFlight)
            }
            metricsById[head.id]!.queueCapacity.store(options.queueCapacity * head.parallelism, ordering: .relaxed)
            heads[head.id] = nodeCopies
            tailOwner[chain.last!.id] = head.id
            built += nodeCopies
        }
        // Stages inside a fused chain feed the next link directly; only sources and chain tails have outlets.
        for producer in graph.nodes where producer.kind == .source || tailOwner[producer.id] != nil {
            let consumers = graph.consumers(of: producer.id).filter { plan.isChainHead($0.node.id) }
            let liveProducers: Int
            var portOutlets = Array(repeating: [Outlet](), count: 1 + producer.config.namedOutputs.count)
            if producer.kind == .source {
                liveProducers = sources[producer.id]!.filter { !$0.hasEnded }.count
            } else {
                liveProducers = heads[tailOwner[producer.id]!]!.filter { !$0.isFinished }.count
            }
            for (consumer, port) in consumers {
                let consumerCopies = heads[consumer.id]!
                portOutlets[port].append(Outlet(copies: consumerCopies, spread: Self.spread(for: consumer)))
                for copy in consumerCopies { for _ in 0..<liveProducers { copy.addInput() } }
            }
            if producer.kind == .source {
                for runner in sources[producer.id]! { runner.outlets = portOutlets[0] }
            } else {
                for copy in heads[tailOwner[producer.id]!]! { copy.outlets = portOutlets }
            }
        }
        // Retired sources that have not returned still count as producers of the stages they fed (those
        // that remain chain heads): what they hold arrives there, and their `end` follows.
        retiring.removeAll { $0.runner.hasEnded }
        for (runner, readers) in retiring {
            let outlets = readers.compactMap { reader -> Outlet? in
                guard let node = graph.node(reader), let copies = heads[reader] else { return nil }
                return Outlet(copies: copies, spread: Self.spread(for: node))
            }
            for outlet in outlets { for copy in outlet.copies { copy.addInput() } }
            runner.outlets = outlets
        }
        nodes = built
        let open = built.filter { !$0.isFinished }
        unfinished = open.count
        isDone = open.isEmpty
        if isDone { lock.broadcast() }
        for node in open {
            node.onFinished = { [weak self, weak node] in
                guard let self, let node else { return }
                self.nodeFinished(node)
            }
            node.onStageFailed = { [weak self] copy, failure in self?.stageFailed(copy.log, failure) }
        }
        // A node none of whose producers is still running will never hear an `end`: give it one.
        for node in open where !node.hasOpenInputs {
            node.addInput()
            node.enqueue(.end)
        }
    }

    private func nodeFinished(_ node: ProcessorNode) {
        lock.withLock {
            guard nodes.contains(where: { $0 === node }) else { return }
            unfinished -= 1
            if unfinished == 0 {
                isDone = true
                lock.broadcast()
            }
        }
    }

    private static func spread(for consumer: StageNode) -> Outlet.Spread {
        if consumer.parallelism == 1 { return .single }
        if let fields = consumer.config.partitionFields { return .partition(fields) }
        return .roundRobin
    }
}

/// What one reload did.
public struct ReloadReport: Sendable {
    public let diff: GraphDiff
    /// How long the sources were paused.
    public let pauseMilliseconds: Double
}

/// Which stages share a node: chains that start at a chain head and follow single-consumer,
/// single-input edges out of stateless transforms with equal parallelism. The stage after such a
/// transform joins its node even when it keeps state (an aggregate, a sink): measured on the canonical
/// benchmark, handing batches to another worker there cost about 50% more CPU than the pipelining
/// gained (cross-thread frees and cold caches), so it runs in the same turn instead.
struct FusionPlan {
    /// Every non-source stage, grouped into chains, in graph order of their heads.
    let chains: [[StageNode]]
    private let heads: Set<String>

    init(_ graph: StageGraph) {
        var fusedIntoPredecessor: Set<String> = []
        for node in graph.nodes where node.kind != .source {
            guard node.inputs.count == 1, let input = node.inputs.first, input.port == 0,
                let producer = graph.node(input.stage), producer.kind == .transform,
                producer.config.isStateless, producer.parallelism == node.parallelism,
                graph.consumers(of: producer.id).count == 1
            else { continue }
            fusedIntoPredecessor.insert(node.id)
        }
        var chains: [[StageNode]] = []
        for node in graph.nodes where node.kind != .source && !fusedIntoPredecessor.contains(node.id) {
            var chain = [node]
            while let next = graph.consumers(of: chain.last!.id).first?.node,
                fusedIntoPredecessor.contains(next.id)
            {
                chain.append(next)
            }
            chains.append(chain)
        }
        self.chains = chains
        heads = Set(chains.map { $0[0].id })
    }

    func isChainHead(_ id: String) -> Bool { heads.contains(id) }
}
