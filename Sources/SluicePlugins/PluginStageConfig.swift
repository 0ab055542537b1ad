import SluiceCore

/// The configuration of one stage of a plugin: the plugin and stage type it runs, the options its schema
/// read (with defaults applied, as the plugin receives them) and how the runner supervises it.
///
/// Two configs are equal only when the plugin's revision is too, so a reload after the plugin's files
/// changed replaces the stages that use it.
public struct PluginStageConfig: SourceConfig, ProcessorConfig {
    public let plugin: PluginManifest
    public let stage: PluginStageSpec
    /// The options as sent to the plugin in the `config` frame: an object.
    public let options: Value
    public let supervision: PluginSupervision

    /// Reads the options of `stage` of `plugin` from `reader`, checking each against its schema.
    public init?(plugin: PluginManifest, stage: PluginStageSpec, reading reader: inout OptionsReader) {
        var options = Event(capacity: stage.options.count)
        for option in stage.options {
            if let value = option.read(from: &reader) { options[FieldName(option.name)] = value }
        }
        let supervision = PluginSupervision(reading: &reader, limits: plugin.limits, kind: stage.kind)
        guard !reader.diagnostics.hasErrors, let supervision else { return nil }
        self.plugin = plugin
        self.stage = stage
        self.options = .object(options)
        self.supervision = supervision
    }

    /// Unused: plugin stages are read through `init(plugin:stage:reading:)`, since their schema is data.
    public init?(reading reader: inout OptionsReader) { nil }

    public func makeSource(context: StageContext) throws -> any Source {
        guard case .process(let command) = plugin.runtime else {
            throw PluginError.unsupported("a WebAssembly plugin cannot provide a source")
        }
        return ProcessSource(launch: launchSpec(command: command, context: context), log: context.log)
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        let deadLetters = DeadLetterFile(
            path: supervision.deadLetter ?? PluginSupervision.defaultDeadLetter(context: context), context: context,
            plugin: plugin.name)
        switch plugin.runtime {
        case .process(let command):
            return try ProcessTransform(
                launch: launchSpec(command: command, context: context), supervision: supervision,
                deadLetters: deadLetters, context: context, heartbeat: plugin.limits.heartbeat)
        case .wasm(let module):
            return try WasmTransform(
                module: module, plugin: plugin.name, options: options, limits: plugin.limits,
                supervision: supervision, deadLetters: deadLetters, context: context)
        }
    }

    private func launchSpec(command: [String], context: StageContext) -> PluginLaunch {
        PluginLaunch(
            command: command, folder: plugin.folder, plugin: plugin.name, stageType: stage.typeName,
            kind: stage.kind, options: options, pipeline: context.pipeline, stage: context.stage,
            limits: plugin.limits, timeout: supervision.timeout)
    }
}

/// How the runner supervises a plugin stage: the per-batch timeout, how often a failed batch is tried
/// again, and where batches that still fail go. Every plugin stage takes these options besides its own.
public struct PluginSupervision: Sendable, Hashable {
    public var timeout: ConfigDuration
    /// Tries after the first before a batch is dead-lettered.
    public var retries: Int
    /// The dead-letter file; `nil` means `dead-letter/<pipeline>.<stage>.ndjson`.
    public var deadLetter: String?

    /// The documentation of the options every plugin stage takes, by kind.
    static func docs(limits: PluginLimits, kind: StageKind) -> [OptionDoc] {
        guard kind != .source else { return [] }
        return [
            OptionDoc(
                "timeout", "duration", default: limits.timeout.description,
                "How long one batch may take; then the process is stopped (SIGTERM, then SIGKILL) and restarted."),
            OptionDoc("retries", "int", default: "1", "Tries after the first before a failing batch is dead-lettered."),
            OptionDoc(
                "dead_letter", "path", default: "dead-letter/<pipeline>.<stage>.ndjson",
                "NDJSON file that receives each event of a batch that failed every try, with the reason."),
        ]
    }

    init?(reading reader: inout OptionsReader, limits: PluginLimits, kind: StageKind) {
        // A source has no batches to time, retry or dead-letter: a crash restarts it.
        let batches = kind != .source
        timeout = (batches ? reader.duration("timeout") : nil) ?? limits.timeout
        retries = (batches ? reader.int("retries", minimum: 0) : nil) ?? 1
        deadLetter = batches ? reader.filePath("dead_letter") : nil
        if timeout.milliseconds <= 0 {
            reader.error(.invalidValue, "option 'timeout' must be more than 0", at: reader.location(of: "timeout"))
            return nil
        }
    }

    /// The dead-letter file of a stage that names none.
    static func defaultDeadLetter(context: StageContext) -> String {
        "dead-letter/\(context.pipeline).\(context.stage).ndjson"
    }
}

/// The registry entry of one plugin stage type.
enum PluginStageEntry {
    static func make(plugin: PluginManifest, stage: PluginStageSpec) -> StageRegistry.Entry {
        let read: @Sendable (inout OptionsReader) -> (any StageConfig)? = { reader in
            PluginStageConfig(plugin: plugin, stage: stage, reading: &reader)
        }
        let factory: StageFactory
        switch stage.kind {
        case .source: factory = .source(.building(PluginStageConfig.self))
        case .transform: factory = .transform(.building(PluginStageConfig.self))
        case .aggregation: factory = .aggregation(.building(PluginStageConfig.self))
        case .sink: factory = .sink(.building(PluginStageConfig.self))
        }
        return StageRegistry.Entry(
            typeName: stage.typeName, summary: "\(stage.summary) (plugin '\(plugin.name)' \(plugin.version))",
            options: stage.options.map(\.optionDoc) + PluginSupervision.docs(limits: plugin.limits, kind: stage.kind),
            example: stage.example ?? example(of: stage), readConfig: read, factory: factory,
            revision: plugin.revision)
    }

    /// A pipeline that uses `stage`, with its required options as placeholders, for `runner stages`.
    private static func example(of stage: PluginStageSpec) -> String {
        let options = stage.options.filter { $0.defaultNode == nil }.map { "    \($0.name): <\($0.type.rawValue)>\n" }
            .joined()
        switch stage.kind {
        case .source:
            return
                "sources:\n  in:\n    type: \(stage.typeName)\n\(options)sinks:\n  out: { type: stdout, inputs: [in] }"
        case .sink:
            return "sources:\n  in: { type: generate, count: 10, fields: { id: sequence() } }\nsinks:\n"
                + "  out:\n    type: \(stage.typeName)\n    inputs: [in]\n\(options)"
        case .transform, .aggregation:
            return "sources:\n  in: { type: generate, count: 10, fields: { id: sequence() } }\n"
                + "\(stage.kind.section):\n  step:\n    type: \(stage.typeName)\n    inputs: [in]\n\(options)"
                + "sinks:\n  out: { type: stdout, inputs: [step] }"
        }
    }
}
