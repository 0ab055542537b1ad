/// Renders the registry for people: the `runner stages` listing, one type's description, and the
/// Markdown of docs/stages.md (a test keeps that file equal to `markdown(_:)`).
package enum StageReference {
    /// One line per stage type, grouped by kind.
    package static func list(_ registry: StageRegistry) -> String {
        let width = registry.all.map(\.typeName.count).max() ?? 0
        var text = ""
        for kind in StageKind.allCases {
            let entries = registry.all.filter { $0.kind == kind }
            guard !entries.isEmpty else { continue }
            text += "\(kind.section):\n"
            for entry in entries {
                text +=
                    "  \(entry.typeName)\(String(repeating: " ", count: width - entry.typeName.count))  \(entry.summary)\n"
            }
        }
        return text
    }

    /// A type's summary, options and example, as plain text.
    package static func describe(_ entry: StageRegistry.Entry) -> String {
        var text = "\(entry.typeName) (\(entry.kind.rawValue)): \(entry.summary)\n\noptions:\n"
        for option in entry.options {
            let requirement = option.defaultValue.map { "default \($0)" } ?? "required"
            text += "  \(option.name): \(option.type) (\(requirement))\n      \(option.summary)\n"
        }
        text +=
            "\nexample:\n"
            + entry.example.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "  " + $0 }.joined(separator: "\n") + "\n"
        return text
    }

    /// The stage reference as Markdown.
    package static func markdown(_ registry: StageRegistry) -> String {
        var text = """
            # Stage reference

            Every stage type the runner knows, generated from the registry (`runner stages TYPE` prints the same).
            Besides the options below, every stage takes `type`; every stage except sources takes `inputs`
            (a list of stage ids, or `id.output` for a named output); stateless transforms and aggregates take
            `parallelism` (copies run side by side; an aggregate's copies split the groups between them).

            """
        for kind in StageKind.allCases {
            let entries = registry.all.filter { $0.kind == kind }
            guard !entries.isEmpty else { continue }
            text += "\n## \(kind.section.prefix(1).uppercased() + kind.section.dropFirst())\n"
            for entry in entries {
                text += "\n### `\(entry.typeName)`\n\n\(entry.summary)\n\n"
                text += "| option | type | default | description |\n|---|---|---|---|\n"
                for option in entry.options {
                    let value = option.defaultValue.map { "`\($0)`" } ?? "required"
                    // A pipe inside a cell would end it.
                    let cells = [option.type, value, option.summary].map { $0.replacing("|", with: "\\|") }
                    text += "| `\(option.name)` | \(cells.joined(separator: " | ")) |\n"
                }
                text += "\n```yaml\n\(entry.example.hasSuffix("\n") ? entry.example : entry.example + "\n")```\n"
            }
        }
        return text
    }
}
