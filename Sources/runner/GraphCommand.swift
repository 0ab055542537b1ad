import ArgumentParser
import SluiceGraph

/// `runner graph`: prints the execution plan of pipeline files.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print how pipeline files run: their stages, which share a node, and the nodes' queues.",
        discussion: """
            Stateless transforms run in one node with the stage after them (one queue, no hand-over between \
            workers); each node has one input queue per parallel copy. Text lists each node (n1, n2, ...) with \
            its queues, how batches spread over its copies, how many producers it waits for, and the nodes \
            it feeds; dot and mermaid draw each node as a cluster around its stages.
            """)

    @Argument(help: "Pipeline files or folders of *.yaml files.")
    var paths: [String]

    @OptionGroup var plugins: PluginOptions

    @Option(help: "Output format: text, dot or mermaid.")
    var format: PlanRenderer.Format = .text

    @Option(help: "Events each queue holds, as `runner apply --queue-capacity` would set it.")
    var queueCapacity: Int = ExecutionPlan.defaultQueueCapacity

    func validate() throws {
        guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
    }

    func run() throws {
        let files = PipelineFiles(catalog: try plugins.catalog())
        guard let graphs = files.compileAll(try files.expand(paths)) else { throw RunnerExit.invalidPipeline }
        for graph in graphs {
            print(PlanRenderer.render(ExecutionPlan(graph, queueCapacity: queueCapacity), as: format), terminator: "")
        }
    }
}

extension PlanRenderer.Format: ExpressibleByArgument {}
