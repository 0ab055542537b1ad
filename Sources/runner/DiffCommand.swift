import ArgumentParser
import SluiceGraph

/// `runner diff`: what a reload from one version of a pipeline file to another would do.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Print what reloading OLD into NEW would do: stages added, removed, changed and kept, and nodes.",
        discussion: """
            Stages are compared by their validated configuration, so an edit that means the same (10s for \
            10000ms, a reordered mapping) keeps the stage and its state. The two files are compiled on their \
            own: they are two versions of one pipeline and usually share its name.
            """)

    @Argument(help: "The pipeline file as it runs now.")
    var old: String

    @Argument(help: "The changed pipeline file.")
    var new: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        let (graphs, failed) = PipelineFiles(catalog: try plugins.catalog()).compileEach([old, new])
        guard !failed else { throw RunnerExit.invalidPipeline }
        print(PlanDiff(from: ExecutionPlan(graphs[0]), to: ExecutionPlan(graphs[1])).description, terminator: "")
    }
}
