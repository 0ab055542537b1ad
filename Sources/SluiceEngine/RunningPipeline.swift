import SluiceCore
import SluiceGraph
import Synchronization

/// One pipeline's stages, built from a `StageGraph` and running on the engine's workers.
///
/// Stateless transforms are fused with the stage after them when that stage is their only consumer and
/// reads nothing else, so the chain runs in one turn without a queue hop between its stages.
public final class RunningPipeline: Sendable {
    public let graph: StageGraph
    /// Every stage's counters, in graph order.
    public let metrics: [StageMetrics]
    private let sources: [SourceRunner]
    private let nodes: [ProcessorNode]
    private let unfinished: Atomic<Int>
    private let done = ConditionLock()
    nonisolated(unsafe) private var isDone = false

    /// Builds every stage's runtime and wires the queues; nothing runs until `start`.
    init(graph: StageGraph, options: EngineOptions, pool: WorkerPool) throws(EngineError) {
        self.graph = graph
        let plan = FusionPlan(graph)
        var metricsById: [String: StageMetrics] = [:]
        var sources: [SourceRunner] = []
        var headCopies: [String: [ProcessorNode]] = [:]  // chain head id → its node copies
        var tailOwner: [String: String] = [:]  // stage id → head id of the chain it ends
        var nodes: [ProcessorNode] = []
        for node in graph.nodes {
            metricsById[node.id] = StageMetrics(
                pipeline: graph.name, stage: node.id, kind: node.kind, typeName: node.typeName)
        }
        for node in graph.nodes where node.kind == .source {
            for copy in 0..<node.parallelism {
                let log = StageLog(pipeline: graph.name, stage: node.id)
                guard case .source(let source) = try Self.build(node, copy: copy, log: log, pipeline: graph.name) else {
                    continue
                }
                sources.append(
                    SourceRunner(source: source, metrics: metricsById[node.id]!, log: log, batchSize: options.batchSize))
            }
        }
        for chain in plan.chains {
            let head = chain[0]
            var copies: [ProcessorNode] = []
            for copy in 0..<head.parallelism {
                var links: [ProcessorNode.Link] = []
                for stage in chain {
                    let log = StageLog(pipeline: graph.name, stage: stage.id)
                    guard case .processor(let processor) = try Self.build(stage, copy: copy, log: log, pipeline: graph.name)
                    else { continue }
                    links.append(
                        ProcessorNode.Link(
                            processor: processor, metrics: metricsById[stage.id]!,
                            portCount: 1 + stage.config.namedOutputs.count, log: log))
                }
                let name = chain.map(\.id).joined(separator: "+") + (head.parallelism > 1 ? "#\(copy)" : "")
                copies.append(ProcessorNode(name: name, links: links, capacity: options.queueCapacity, pool: pool))
            }
            metricsById[head.id]!.queueCapacity.store(options.queueCapacity * head.parallelism, ordering: .relaxed)
            headCopies[head.id] = copies
            tailOwner[chain.last!.id] = head.id
            nodes += copies
        }
        // Wire every edge that crosses chains: the producer's tail copies get an outlet to the consumer's head.
        var sourceIndex = 0
        for producer in graph.nodes {
            let consumers = graph.consumers(of: producer.id).filter { plan.isChainHead($0.node.id) }
            let producerCopies = producer.kind == .source ? producer.parallelism : (headCopies[tailOwner[producer.id] ?? ""]?.count ?? 0)
            var portOutlets = Array(repeating: [Outlet](), count: 1 + producer.config.namedOutputs.count)
            for (consumer, port) in consumers {
                let copies = headCopies[consumer.id]!
                portOutlets[port].append(Outlet(copies: copies, spread: Self.spread(for: consumer)))
                for copy in copies { for _ in 0..<producerCopies { copy.addInput() } }
            }
            if producer.kind == .source {
                for runner in sources[sourceIndex..<sourceIndex + producer.parallelism] { runner.outlets = portOutlets[0] }
                sourceIndex += producer.parallelism
            } else if let head = tailOwner[producer.id] {
                for copy in headCopies[head]! { copy.outlets = portOutlets }
            }
        }
        self.sources = sources
        self.nodes = nodes
        self.metrics = graph.nodes.map { metricsById[$0.id]! }
        unfinished = Atomic(nodes.count)
    }

    private static func build(_ node: StageNode, copy: Int, log: StageLog, pipeline: String) throws(EngineError) -> StageRuntime {
        let context = StageContext(
            pipeline: pipeline, stage: node.id, instance: copy, instanceCount: node.parallelism, log: log)
        do {
            return try node.config.makeRuntime(context: context)
        } catch {
            throw EngineError(pipeline: pipeline, stage: node.id, underlying: error)
        }
    }

    private static func spread(for consumer: StageNode) -> Outlet.Spread {
        if consumer.parallelism == 1 { return .single }
        if let fields = consumer.config.partitionFields { return .partition(fields) }
        return .roundRobin
    }

    /// Starts the sources; the processor nodes run as batches reach them.
    func start() {
        for node in nodes {
            node.onFinished = { [self] in
                if unfinished.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { markDone() }
            }
        }
        if nodes.isEmpty { markDone() }
        for source in sources { source.start(onFinished: {}) }
    }

    /// The nodes that want periodic ticks, with their interval.
    var tickingNodes: [(ProcessorNode, ConfigDuration)] {
        nodes.compactMap { node in node.tickInterval.map { (node, $0) } }
    }

    /// Asks every source to stop; what was read is still processed, windows flushed and sinks finished.
    public func stop() {
        for source in sources { source.stop() }
    }

    /// Blocks until every stage has finished.
    public func wait() {
        done.withLock {
            while !isDone { done.wait() }
        }
    }

    /// True once every stage has finished.
    public var isFinished: Bool {
        done.withLock { isDone }
    }

    /// Every stage's counters now.
    public func snapshot() -> [StageMetricsSnapshot] {
        metrics.map { $0.snapshot() }
    }

    private func markDone() {
        done.withLock {
            isDone = true
            done.broadcast()
        }
    }
}

/// Which stages share a node: chains that start at a chain head and follow single-consumer,
/// single-input edges out of stateless transforms with equal parallelism.
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
