import ArgumentParser
import SluiceGraph

/// `runner diff`: the reload plan between two versions of a pipeline file.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Print what reloading OLD into NEW would do: stages added, removed, changed and kept.")

    @Argument(help: "The pipeline file as it runs now.")
    var old: String

    @Argument(help: "The changed pipeline file.")
    var new: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        let files = PipelineFiles(catalog: try plugins.catalog())
        guard let graphs = files.compileAll([old, new]) else { throw RunnerExit.invalidPipeline }
        print(GraphDiff(from: graphs[0], to: graphs[1]).description, terminator: "")
    }
}
