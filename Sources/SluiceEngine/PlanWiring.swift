import SluiceCore
import SluiceGraph

/// Turns an execution plan into queues: builds the processor nodes it describes around the stages'
/// runtime objects and connects every producer to the nodes that read it. It decides nothing the plan
/// does not say; it only adds what is known at run time (which producers have already ended).
struct PlanWiring {
    let pool: WorkerPool
    let inFlight: InFlightCounter

    /// Builds the nodes of `runtime.plan` around `runtime`'s stage copies, sets the outlets of its sources,
    /// its nodes and its retiring sources, and counts each node's live producers. Returns the nodes, by
    /// plan node and copy. Call while nothing is in flight (before start, or while a reload holds the
    /// pipeline quiet).
    func wire(_ runtime: inout PipelineRuntime) -> [[ProcessorNode]] {
        let plan = runtime.plan
        let built = plan.nodes.map { node in
            (0..<node.copies).map { copy in
                ProcessorNode(
                    name: node.name + (node.copies > 1 ? "#\(copy)" : ""),
                    links: node.stages.map { runtime.copies[$0.id]![copy] }, capacity: plan.queueCapacity, pool: pool,
                    inFlight: inFlight)
            }
        }
        for node in plan.nodes {
            runtime.metrics[node.stages[0].id]!.queueCapacity.store(
                plan.queueCapacity * node.copies, ordering: .relaxed)
        }
        func outlet(_ index: Int) -> Outlet { Outlet(copies: built[index], spread: plan.nodes[index].spread) }
        // Each copy of the nodes `outlets` reach waits for an `end` from each of `producers` live copies.
        func connect(_ outlets: [Outlet], producers: Int) {
            for outlet in outlets {
                for copy in outlet.copies { for _ in 0..<producers { copy.addInput() } }
            }
        }
        for source in plan.sources {
            let runners = runtime.sources[source.stage.id]!
            let outlets = source.outlets.map(outlet)
            connect(outlets, producers: runners.filter { !$0.hasEnded }.count)
            for runner in runners { runner.outlets = outlets }
        }
        for node in plan.nodes {
            let outlets = node.outlets.map { $0.map(outlet) }
            let live = built[node.index].filter { !$0.isFinished }.count
            for port in outlets { connect(port, producers: live) }
            for copy in built[node.index] { copy.outlets = outlets }
        }
        // Retired sources that have not returned still count as producers of the stages they fed (those
        // that still begin a node): what they hold arrives there, and their `end` follows.
        runtime.retiring.removeAll { $0.runner.hasEnded }
        for retiring in runtime.retiring {
            let outlets = retiring.readers.compactMap { reader -> Outlet? in
                guard let node = plan.node(holding: reader), node.stages[0].id == reader else { return nil }
                return outlet(node.index)
            }
            connect(outlets, producers: 1)
            retiring.runner.outlets = outlets
        }
        return built
    }
}
