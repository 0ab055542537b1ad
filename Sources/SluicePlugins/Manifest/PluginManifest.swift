import SluiceConfig
import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// A plugin described by its folder's `plugin.yaml`: its name and version, how it runs (a process or a
/// WebAssembly module), its limits, and the stage types it provides with their option schemas.
public struct PluginManifest: Sendable, Equatable {
    /// How the plugin's code runs.
    public enum Runtime: Sendable, Hashable {
        /// An executable started with `command` (argv) in the plugin's folder; it talks NDJSON frames.
        case process(command: [String])
        /// A WebAssembly module (an absolute path) run in process under WasmKit.
        case wasm(module: String)
    }

    public var name: String
    public var version: String
    /// The plugin's folder.
    public var folder: String
    /// The `plugin.yaml` path, for diagnostics.
    public var file: String
    public var runtime: Runtime
    public var limits: PluginLimits
    public var stages: [PluginStageSpec]
    /// A digest of the plugin's files (names, sizes, modification times): changes when any of them does,
    /// so the stages that use the plugin are replaced on reload.
    public var revision: String

    /// The name of a plugin's description file inside its folder.
    public static let fileName = "plugin.yaml"

    /// Reads `folder/plugin.yaml`; `nil` with positioned diagnostics when it is invalid.
    public static func read(folder: String) -> (manifest: PluginManifest?, diagnostics: Diagnostics) {
        let file = folder + "/" + fileName
        let bytes: [UInt8]
        switch TextFile.readBytes(file, limit: ConfigLimits.standard.maxBytes) {
        case .success(let read): bytes = read
        case .failure(let error):
            return (nil, Diagnostics([Diagnostic(code: .io, message: "\(error)", location: nil)]))
        }
        let document = YAMLDocument(bytes: bytes, file: file, environment: ProcessEnvironment.current)
        var diagnostics = document.diagnostics
        guard let root = document.root, !diagnostics.hasErrors else { return (nil, diagnostics) }
        var reader = OptionsReader(root, stage: "")
        let manifest = read(&reader, folder: folder, file: file)
        diagnostics.append(
            contentsOf: Diagnostics(
                reader.finish().all.map { diagnostic in
                    var diagnostic = diagnostic
                    if diagnostic.stage == "" { diagnostic.stage = nil }
                    return diagnostic
                }))
        return (diagnostics.hasErrors ? nil : manifest, diagnostics)
    }

    private static func read(_ reader: inout OptionsReader, folder: String, file: String) -> PluginManifest? {
        let name = reader.requiredString("name")
        let version = reader.requiredString("version")
        let runtime = readRuntime(&reader, folder: folder)
        let limits = PluginLimits(reading: &reader)
        let stages = readStages(&reader)
        guard let name, let version, let runtime, let stages else { return nil }
        return PluginManifest(
            name: name, version: version, folder: folder, file: file, runtime: runtime, limits: limits,
            stages: stages, revision: PluginRevision.of(folder: folder))
    }

    private enum RuntimeName: String, CaseIterable {
        case process, wasm
    }

    private static func readRuntime(_ reader: inout OptionsReader, folder: String) -> Runtime? {
        let kind = reader.choice("runtime", as: RuntimeName.self) ?? (reader.contains("module") ? .wasm : .process)
        switch kind {
        case .process:
            guard let command = reader.stringList("command") else {
                if !reader.contains("command") { reader.missing("command") }
                return nil
            }
            guard !command.isEmpty else {
                reader.error(.invalidValue, "'command' must name a program", at: reader.location(of: "command"))
                return nil
            }
            return .process(command: command)
        case .wasm:
            guard let module = reader.requiredFilePath("module") else { return nil }
            return .wasm(module: module.hasPrefix("/") ? module : folder + "/" + module)
        }
    }

    private static func readStages(_ reader: inout OptionsReader) -> [PluginStageSpec]? {
        guard let node = reader.node("stages") else {
            reader.missing("stages")
            return nil
        }
        guard let entries = node.entries, !entries.isEmpty else {
            reader.error(.wrongType, "'stages' must be a mapping of stage types", at: node.location)
            return nil
        }
        var stages: [PluginStageSpec] = []
        for entry in entries {
            guard entry.value.entries != nil else {
                reader.error(
                    .wrongType, "stage '\(entry.key)' must be a mapping, found \(entry.value.shapeName)",
                    at: entry.value.location)
                continue
            }
            var stageReader = OptionsReader(entry.value, stage: entry.key)
            if let stage = PluginStageSpec(typeName: entry.key, location: entry.keyLocation, reading: &stageReader) {
                stages.append(stage)
            }
            reader.append(stageReader.finish())
        }
        return stages.count == entries.count ? stages : nil
    }
}

/// The limits a plugin runs under (`plugin.yaml`); every stage of the plugin shares them.
public struct PluginLimits: Sendable, Hashable {
    /// How long one batch may take before the process is stopped (stages may override with `timeout`).
    public var timeout: ConfigDuration
    /// How long a process may take to start and answer the handshake.
    public var startTimeout: ConfigDuration
    /// How long a process transform may be idle before the runner checks it with a heartbeat.
    public var heartbeat: ConfigDuration
    /// The longest frame (one line) either side may send.
    public var maxFrameBytes: Int
    /// WebAssembly: the instructions one call may run before it is stopped.
    public var fuel: Int
    /// WebAssembly: the most linear memory the module may grow to.
    public var maxMemoryBytes: Int

    /// Reads the limits, applying the defaults.
    init(reading reader: inout OptionsReader) {
        timeout = reader.duration("timeout") ?? ConfigDuration(milliseconds: 10_000)
        startTimeout = reader.duration("start_timeout") ?? ConfigDuration(milliseconds: 30_000)
        heartbeat = reader.duration("heartbeat") ?? ConfigDuration(milliseconds: 5_000)
        maxFrameBytes = reader.size("max_frame_bytes")?.bytes ?? 16 * 1024 * 1024
        fuel = reader.int("fuel", minimum: 1) ?? 100_000_000
        maxMemoryBytes = reader.size("max_memory")?.bytes ?? 64 * 1024 * 1024
        for (key, value) in [("timeout", timeout), ("start_timeout", startTimeout), ("heartbeat", heartbeat)]
        where value.milliseconds <= 0 {
            reader.error(.invalidValue, "'\(key)' must be more than 0", at: reader.location(of: key))
        }
        if maxFrameBytes < 1024 {
            reader.error(
                .invalidValue, "'max_frame_bytes' must be at least 1KiB", at: reader.location(of: "max_frame_bytes"))
        }
    }
}

/// One stage type a plugin provides: its kind, summary, example and option schema.
public struct PluginStageSpec: Sendable, Equatable {
    public var typeName: String
    public var kind: StageKind
    public var summary: String
    public var example: String?
    public var options: [PluginOption]
    /// Where the stage is declared in `plugin.yaml`.
    public var location: SourceLocation

    /// The keys every plugin stage takes besides its own options.
    static let supervisionKeys: Set<String> = ["timeout", "retries", "dead_letter"]

    private enum KindName: String, CaseIterable {
        case source, transform, sink
    }

    init?(typeName: String, location: SourceLocation, reading reader: inout OptionsReader) {
        self.typeName = typeName
        self.location = location
        let kind = reader.choice("kind", as: KindName.self)
        if !reader.contains("kind") { reader.missing("kind") }
        summary = reader.string("summary") ?? "A stage of a plugin."
        example = reader.string("example").map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
        var options: [PluginOption] = []
        if let node = reader.node("options") {
            for entry in node.entries ?? [] {
                if Self.supervisionKeys.contains(entry.key) || entry.key == "type" || entry.key == "inputs" {
                    reader.error(
                        .invalidValue, "option name '\(entry.key)' is reserved for the runner", at: entry.keyLocation)
                    continue
                }
                var optionReader = OptionsReader(entry.value, stage: reader.stage)
                if let option = PluginOption(name: entry.key, reading: &optionReader) { options.append(option) }
                reader.append(optionReader.finish())
            }
            if node.entries == nil {
                reader.error(.wrongType, "'options' must be a mapping, found \(node.shapeName)", at: node.location)
            }
        }
        self.options = options
        guard let kind else { return nil }
        switch kind {
        case .source: self.kind = .source
        case .transform: self.kind = .transform
        case .sink: self.kind = .sink
        }
    }
}

extension PluginOption {
    /// Reads one entry of a stage's `options` schema: `{ type, default, doc }`.
    init?(name: String, reading reader: inout OptionsReader) {
        let type = reader.choice("type", as: PluginOptionType.self)
        let defaultNode = reader.node("default")
        let doc = reader.string("doc") ?? ""
        guard let type else {
            if !reader.contains("type") { reader.missing("type") }
            return nil
        }
        self.init(name: name, type: type, defaultNode: defaultNode, doc: doc)
        if let defaultNode {
            // A default the type cannot read is the plugin's mistake: report it where it is written.
            var check = OptionsReader(
                ConfigNode(
                    .map([.init(key: name, keyLocation: defaultNode.location, value: defaultNode)]),
                    at: defaultNode.location),
                stage: reader.stage)
            _ = type.read(name, from: &check)
            reader.append(check.finish())
        }
    }
}

/// The revision of a plugin: a digest of the names, sizes and modification times of its files.
enum PluginRevision {
    static func of(folder: String) -> String {
        var hasher = FNV1a()
        for file in FolderListing.files(under: folder) {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            hasher.add("\(file) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)")
        }
        return hasher.hex
    }
}
