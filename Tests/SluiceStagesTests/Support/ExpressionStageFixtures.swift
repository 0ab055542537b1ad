import SluiceCore
import SluiceTesting

/// Hand-built option mappings for the expression-based stages' tests: each entry on its own line
/// (line 1 is the mapping, entry `i` on line `i + 2`), values starting at column 5.
enum ExpressionStageFixtures {
    /// A scalar or a nested mapping, as an option value.
    enum Option {
        case plain(String)
        case quoted(String)
        case map([(String, Option)])
    }

    static func options(_ entries: [(String, Option)], line: Int = 1) -> ConfigNode {
        var nextLine = line + 1
        return mapping(entries, at: line, nextLine: &nextLine, indent: 3)
    }

    private static func mapping(_ entries: [(String, Option)], at line: Int, nextLine: inout Int, indent: Int)
        -> ConfigNode
    {
        var built: [ConfigNode.Entry] = []
        for (key, option) in entries {
            let keyLocation = SourceLocation(file: "p.yaml", line: nextLine, column: indent)
            let valueLocation = keyLocation.advanced(byColumns: key.count + 2)
            let value: ConfigNode
            switch option {
            case .plain(let text):
                nextLine += 1
                value = ConfigNode(.scalar(text, quoted: false), at: valueLocation)
            case .quoted(let text):
                nextLine += 1
                value = ConfigNode(.scalar(text, quoted: true), at: valueLocation)
            case .map(let nested):
                let start = nextLine
                nextLine += 1
                value = mapping(nested, at: start, nextLine: &nextLine, indent: indent + 2)
            }
            built.append(ConfigNode.Entry(key: key, keyLocation: keyLocation, value: value))
        }
        return ConfigNode(.map(built), at: SourceLocation(file: "p.yaml", line: line, column: 1))
    }

    /// Reads `node` as the options of stage type `stage`, returning the config and every diagnostic.
    static func read<S: Stage>(_ stage: S.Type, _ node: ConfigNode) -> (config: S.Config?, diagnostics: Diagnostics) {
        let read = readConfig(stage, from: node, stage: "under_test")
        return (read.config, read.diagnostics)
    }
}
