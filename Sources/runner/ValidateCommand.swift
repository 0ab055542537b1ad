import ArgumentParser

/// `runner validate`: checks pipeline files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files; print every error as FILE:LINE:COL: error: message.")

    @Argument(help: "Pipeline files or folders of *.yaml files.")
    var paths: [String]

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        let files = PipelineFiles(catalog: try plugins.catalog())
        guard let graphs = files.compileAll(try files.expand(paths)) else { throw RunnerExit.invalidPipeline }
        for graph in graphs {
            print("\(graph.file): ok (pipeline '\(graph.name)', \(graph.nodes.count) stages)")
        }
    }
}
