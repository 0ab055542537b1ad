import SluiceConfig
import SluiceCore

/// Reads stage `S`'s configuration from YAML text holding its option mapping (`type: ...` included or not),
/// as the pipeline loader and compiler would. The config is `nil` when any error was found; positions refer
/// to `test.yaml`, line 1 being the text's first line, and name the stage `stage`.
///
/// ```swift
/// let (config, diagnostics) = loadConfig(FilterTransform.self, yaml: "condition: value >= 1")
/// ```
public func loadConfig<S: Stage>(_: S.Type, yaml: String, stage: String = "id") -> (S.Config?, Diagnostics) {
    var diagnostics = Diagnostics()
    guard let node = YAMLDocument.parse(yaml, file: "test.yaml", environment: [:], diagnostics: &diagnostics) else {
        return (nil, diagnostics)
    }
    let read = readConfig(S.self, from: node, stage: stage)
    diagnostics.append(contentsOf: read.diagnostics)
    return (diagnostics.hasErrors ? nil : read.config, diagnostics)
}

/// What reading a stage's options produced, and which keys the config asked for.
public struct ReadConfig<S: Stage> {
    /// The configuration, or `nil` when it could not be built.
    public var config: S.Config?
    /// Every problem found, unknown keys included.
    public var diagnostics: Diagnostics
    /// The keys the configuration read, in order: compare them with `S.options` to keep the docs complete.
    public var askedKeys: [String]
}

/// Reads stage `S`'s options from `node`, a stage mapping, as the compiler does (`type`, `inputs` and
/// `parallelism` are the loader's).
public func readConfig<S: Stage>(_: S.Type, from node: ConfigNode, stage: String) -> ReadConfig<S> {
    var reader = OptionsReader(node, stage: stage, ignoring: StageDefinition.commonKeys)
    let config = S.Config(reading: &reader)
    let diagnostics = reader.finish()
    return ReadConfig(config: config, diagnostics: diagnostics, askedKeys: reader.knownKeys)
}

/// Reads the configuration of the first stage of type `S` in `S.example`, the stage's documented example;
/// `nil` when the example has no such stage or is not YAML.
public func loadExample<S: Stage>(_: S.Type) -> ReadConfig<S>? {
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

/// Builds an options mapping as the config loader would, from `key: value` scalars (all at line 1,
/// column 1 of `test.yaml`).
public func optionsNode(_ pairs: KeyValuePairs<String, String>) -> ConfigNode {
    optionsNode(pairs.map { ($0.key, $0.value) })
}

/// Builds an options mapping from `(key, value)` scalars, in order.
public func optionsNode(_ pairs: [(String, String)]) -> ConfigNode {
    let location = SourceLocation(file: "test.yaml", line: 1, column: 1)
    let entries = pairs.map { key, value in
        ConfigNode.Entry(
            key: key, keyLocation: location, value: ConfigNode(.scalar(value, quoted: false), at: location))
    }
    return ConfigNode(.map(entries), at: location)
}

/// Reads a stage's config from `pairs` for a stage named `under_test`; the diagnostics when it is invalid.
public func readConfig<S: Stage>(
    _ stage: S.Type, _ pairs: KeyValuePairs<String, String>
) -> Result<S.Config, Diagnostics> {
    readConfig(stage, pairs.map { ($0.key, $0.value) })
}

/// Reads a stage's config from `(key, value)` pairs for a stage named `under_test`; the diagnostics when it
/// is invalid.
public func readConfig<S: Stage>(_ stage: S.Type, _ pairs: [(String, String)]) -> Result<S.Config, Diagnostics> {
    let read = readConfig(stage, from: optionsNode(pairs), stage: "under_test")
    guard let config = read.config, !read.diagnostics.hasErrors else { return .failure(read.diagnostics) }
    return .success(config)
}

extension Diagnostics {
    /// The diagnostics as `runner validate` prints them, one string each, in file order.
    public var lines: [String] { sorted.map(\.description) }
}
