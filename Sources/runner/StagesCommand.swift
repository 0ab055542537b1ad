import ArgumentParser
import SluiceCore
import SluiceStages

/// `runner stages`: the registry, for people writing pipeline files.
struct StagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages", abstract: "List the stage types, or show one type's options and example.")

    @Argument(help: "A stage type to describe, e.g. 'filter'.")
    var type: String?

    @Flag(help: "Print the whole reference as Markdown (the source of docs/stages.md).")
    var markdown = false

    func run() throws {
        let registry = BuiltinStages.registry
        if markdown {
            print(StageReference.markdown(registry), terminator: "")
            return
        }
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
