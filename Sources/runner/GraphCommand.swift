import ArgumentParser
import SluiceGraph

/// `runner graph`: prints the compiled stage graph.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print the compiled stage graph of pipeline files.")

    @Argument(help: "Pipeline files or folders of *.yaml files.")
    var paths: [String]

    @OptionGroup var plugins: PluginOptions

    @Option(help: "Output format: text, dot or mermaid.")
    var format: GraphRenderer.Format = .text

    func run() throws {
        let files = PipelineFiles(catalog: try plugins.catalog())
        guard let graphs = files.compileAll(try files.expand(paths)) else { throw RunnerExit.invalidPipeline }
        for graph in graphs {
            print(GraphRenderer.render(graph, as: format), terminator: "")
        }
    }
}

extension GraphRenderer.Format: ExpressibleByArgument {}
