import SluiceConfig
import SluiceCore

/// Keys every stage mapping may hold that the pipeline loader reads, not the stage's config.
let loaderKeys: Set<String> = ["type", "inputs", "parallelism"]

/// Reads stage `S`'s configuration from YAML text holding its option mapping (`type: ...` included or not),
/// as the pipeline loader would. The config is `nil` when any error was found; positions refer to
/// `test.yaml`, line 1 being the text's first line, and name the stage `stage`.
func loadConfig<S: Stage>(_: S.Type, yaml: String, stage: String = "id") -> (S.Config?, Diagnostics) {
    var diagnostics = Diagnostics()
    guard let node = YAMLDocument.parse(yaml, file: "test.yaml", environment: [:], diagnostics: &diagnostics) else {
        return (nil, diagnostics)
    }
    let read = readConfig(S.self, from: node, stage: stage)
    diagnostics.append(contentsOf: read.diagnostics)
    return (diagnostics.hasErrors ? nil : read.config, diagnostics)
}

/// What reading a stage's options produced, and which keys the config asked for.
struct ReadConfig<S: Stage> {
    var config: S.Config?
    var diagnostics: Diagnostics
    var askedKeys: [String]
}

/// Reads stage `S`'s options from `node`, a stage mapping.
func readConfig<S: Stage>(_: S.Type, from node: ConfigNode, stage: String) -> ReadConfig<S> {
    var reader = OptionsReader(node, stage: stage, ignoring: loaderKeys)
    let config = S.Config(reading: &reader)
    let diagnostics = reader.finish()
    return ReadConfig(config: config, diagnostics: diagnostics, askedKeys: reader.knownKeys)
}

/// Reads the configuration of the first stage of type `S` in `S.example`, the stage's documented example.
func loadExample<S: Stage>(_: S.Type) -> ReadConfig<S>? {
    var diagnostics = Diagnostics()
    guard let root = YAMLDocument.parse(S.example, file: "example.yaml", environment: [:], diagnostics: &diagnostics),
        let stages = root[S.kind.section]?.entries,
        let entry = stages.first(where: { $0.value["type"]?.scalar == S.typeName })
    else { return nil }
    var read = readConfig(S.self, from: entry.value, stage: entry.key)
    diagnostics.append(contentsOf: read.diagnostics)
    read.diagnostics = diagnostics
    return read
}

extension Diagnostics {
    /// The diagnostics as `runner validate` prints them, one string each, in file order.
    var lines: [String] { sorted.map(\.description) }
}
