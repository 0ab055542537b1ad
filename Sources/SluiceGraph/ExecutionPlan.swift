import SluiceCore

/// How a compiled graph runs: which stages share a node (fused chains), each node's queue and parallel
/// copies, how batches spread over those copies, and which outputs feed which node.
///
/// A pure value compiled from a `StageGraph`: it starts no thread, so `runner graph` can print it,
/// `runner diff` and a reload can compare two of them, and tests can check it as plain data. The engine
/// builds exactly what it says and decides nothing of its own.
public struct ExecutionPlan: Sendable {
    /// Events a node's input queue holds by default before its producers wait.
    public static let defaultQueueCapacity = 16_384

    /// The compiled graph the plan runs.
    public let graph: StageGraph
    /// The sources, in graph order.
    public let sources: [PlanSource]
    /// The processor nodes, in graph order of their first stage.
    public let nodes: [PlanNode]
    /// Events each copy's input queue holds before its producers wait.
    public let queueCapacity: Int
    // The node holding each processor stage, so lookups stay constant-time in plans of thousands of stages.
    private let nodeIndexByStage: [String: Int]

    /// Compiles the plan of `graph`, each node's queue holding `queueCapacity` events per copy.
    public init(_ graph: StageGraph, queueCapacity: Int = Self.defaultQueueCapacity) {
        self.graph = graph
        self.queueCapacity = queueCapacity
        let chains = Self.fusedChains(graph)
        var nodeIndexByStage: [String: Int] = [:]
        for (index, chain) in chains.enumerated() {
            for stage in chain { nodeIndexByStage[stage.id] = index }
        }
        self.nodeIndexByStage = nodeIndexByStage
        // Only a chain's first stage reads from another node; what the others read comes from the link before.
        func readers(of producer: StageNode) -> [[Int]] {
            var ports = Array(repeating: [Int](), count: 1 + producer.config.namedOutputs.count)
            for (consumer, port) in graph.consumers(of: producer.id) {
                guard let index = nodeIndexByStage[consumer.id], chains[index][0].id == consumer.id else { continue }
                ports[port].append(index)
            }
            return ports
        }
        nodes = chains.enumerated().map { index, chain in
            let head = chain[0]
            let producers = head.inputs.map { input in
                PlanInput(
                    stage: input.stage, port: input.port, label: input.label,
                    copies: graph.node(input.stage)!.parallelism)
            }
            return PlanNode(
                index: index, stages: chain, copies: head.parallelism, spread: Spread(for: head),
                inputs: producers, outlets: readers(of: chain[chain.count - 1]))
        }
        sources = graph.nodes.filter { $0.kind == .source }.map { source in
            PlanSource(stage: source, outlets: readers(of: source)[0])
        }
    }

    /// The node that runs processor stage `id`, or nil for a source or an unknown id.
    public func node(holding id: String) -> PlanNode? {
        nodeIndexByStage[id].map { nodes[$0] }
    }

    /// How many input queues the plan builds: one per copy of each node.
    public var queueCount: Int { nodes.reduce(0) { $0 + $1.copies } }

    /// The stages grouped into chains that share a node.
    ///
    /// A stage joins the node of its single input when that input is a stateless transform with the same
    /// parallelism whose only consumer it is, on its main output. It joins even when it keeps state (an
    /// aggregate, a sink): measured on the canonical benchmark, handing batches to another worker there cost
    /// about 50% more CPU than the pipelining gained (cross-thread frees and cold caches), so it runs in the
    /// same turn instead.
    static func fusedChains(_ graph: StageGraph) -> [[StageNode]] {
        var joinsItsInput: Set<String> = []
        for node in graph.nodes where node.kind != .source {
            guard node.inputs.count == 1, let input = node.inputs.first, input.port == 0,
                let producer = graph.node(input.stage), producer.kind == .transform,
                producer.config.isStateless, producer.parallelism == node.parallelism,
                graph.consumers(of: producer.id).count == 1
            else { continue }
            joinsItsInput.insert(node.id)
        }
        var chains: [[StageNode]] = []
        for node in graph.nodes where node.kind != .source && !joinsItsInput.contains(node.id) {
            var chain = [node]
            while let next = graph.consumers(of: chain[chain.count - 1].id).first?.node, joinsItsInput.contains(next.id)
            {
                chain.append(next)
            }
            chains.append(chain)
        }
        return chains
    }
}

/// How batches reach the parallel copies of a node.
public enum Spread: Sendable, Hashable, CustomStringConvertible {
    /// One copy: every batch goes to it.
    case single
    /// Stateless copies: whole batches in turn.
    case roundRobin
    /// Keyed copies: each event to the copy its key hashes to, so one key always meets one copy.
    case partition([FieldPath])

    /// How batches reach the copies of `stage`, its parallelism and partition fields decide.
    init(for stage: StageNode) {
        if stage.parallelism == 1 {
            self = .single
        } else if let fields = stage.config.partitionFields {
            self = .partition(fields)
        } else {
            self = .roundRobin
        }
    }

    public var description: String {
        switch self {
        case .single: return "one copy"
        case .roundRobin: return "batches in turn"
        case .partition(let fields): return "partitioned by \(fields.map(\.description).joined(separator: ", "))"
        }
    }
}

/// One node of a plan: a chain of processor stages run in one turn, with one input queue per copy.
public struct PlanNode: Sendable {
    /// The node's position in `ExecutionPlan.nodes`.
    public let index: Int
    /// The chain's stages in order; what one emits on its main output is what the next processes.
    public let stages: [StageNode]
    /// Parallel copies of the whole chain, each with its own queue and its own copy of every stage.
    public let copies: Int
    /// How producers spread batches over the copies.
    public let spread: Spread
    /// The outputs that feed the chain's first stage.
    public let inputs: [PlanInput]
    /// The nodes (indexes in `ExecutionPlan.nodes`) that read the chain's last stage, by output port
    /// (0 = main output).
    public let outlets: [[Int]]

    /// The stage ids joined with `+`: the name the engine gives the node.
    public var name: String { stages.map(\.id).joined(separator: "+") }

    /// How many `end`s each copy waits for before it finishes: one per copy of each producer.
    public var producerCount: Int { inputs.reduce(0) { $0 + $1.copies } }
}

/// A source of a plan, and the nodes its batches go to.
public struct PlanSource: Sendable {
    /// The source stage.
    public let stage: StageNode
    /// The nodes (indexes in `ExecutionPlan.nodes`) that read the source.
    public let outlets: [Int]
}

/// An output that feeds a node: a source or the last stage of another node, and the port read.
public struct PlanInput: Sendable, Hashable {
    /// The producing stage: a source, or the last stage of another node.
    public let stage: String
    /// The producer's output port read (0 = main output).
    public let port: Int
    /// The output's name as written (`route.errors`).
    public let label: String
    /// The producer's parallel copies, each of which sends its own `end`.
    public let copies: Int
}
