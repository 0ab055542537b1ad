import ArgumentParser
import SluiceCore
import SluiceStages

/// `runner stages`: the registry, for people writing pipeline files.
struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages", abstract: "List the stage types, or show one type's options and example.")

    @Argument(help: "A stage type to describe, e.g. 'filter'.")
    var type: String?

    @Flag(help: "Print the reference of the built-in stages as Markdown (the source of docs/stages.md).")
    var markdown = false

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        if markdown {
            // docs/stages.md documents what ships with the runner, whatever plugins the folder holds.
            print(StageReference.markdown(BuiltinStages.registry), terminator: "")
            return
        }
        let registry = try plugins.catalog().registry
        guard let type else {
            print(StageReference.list(registry), terminator: "")
            return
        }
        let entries = registry.all.filter { $0.typeName == type }
        guard !entries.isEmpty else {
            var message = "unknown stage type '\(type)'"
            if let close = Suggestion.closest(to: type, among: registry.all.map(\.typeName)) {
                message += "; did you mean '\(close)'?"
            }
            throw ValidationError(message)
        }
        print(entries.map(StageReference.describe).joined(separator: "\n"), terminator: "")
    }
}
