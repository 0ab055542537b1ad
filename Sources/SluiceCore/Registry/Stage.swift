/// Which section of a pipeline file a stage type belongs in, and so what it may connect to.
public enum StageKind: String, Sendable, Hashable, CaseIterable {
    case source
    case transform
    case aggregation
    case sink

    /// The pipeline-file section that holds stages of this kind.
    public var section: String {
        switch self {
        case .source: return "sources"
        case .transform: return "transforms"
        case .aggregation: return "aggregations"
        case .sink: return "sinks"
        }
    }

    /// The kind whose section is `section`.
    public init?(section: String) {
        guard let kind = Self.allCases.first(where: { $0.section == section }) else { return nil }
        self = kind
    }

    /// True for kinds that read `inputs`.
    public var hasInputs: Bool { self != .source }
    /// True for kinds whose output other stages may consume.
    public var hasOutputs: Bool { self != .sink }
}

/// One documented option of a stage type, for `runner stages TYPE` and docs/stages.md.
public struct OptionDoc: Sendable, Hashable {
    public var name: String
    /// The option's type as users write it: `string`, `duration`, `[field]`, `expression`, `ndjson | csv`.
    public var type: String
    /// The default, or `nil` for a required option.
    public var defaultValue: String?
    public var summary: String

    public init(_ name: String, _ type: String, default defaultValue: String? = nil, _ summary: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.summary = summary
    }

}

/// A stage type: the static facts the registry needs, and its configuration type.
///
/// A stage is one file: a type conforming to `Stage` (the registration), its `Config` (decodes and
/// validates itself from `OptionsReader`, `Equatable` so a reload can tell what changed) and the runtime
/// the config builds. Built-in stages and plugins register the same way: `registry.register(MyStage.self)`.
public protocol Stage {
    associatedtype Config: StageConfig

    /// The name used as `type:` in pipeline files.
    static var typeName: String { get }
    static var kind: StageKind { get }
    /// One sentence for `runner stages`.
    static var summary: String { get }
    /// Every option the config reads.
    static var options: [OptionDoc] { get }
    /// A complete pipeline file that uses this stage; tested to validate.
    static var example: String { get }
}

/// A stage's decoded, validated configuration; it builds the stage's runtime.
public protocol StageConfig: Sendable, Equatable {
    /// Reads the options, recording a diagnostic on `reader` for every problem; `nil` when the
    /// configuration cannot be built (the diagnostics say why).
    init?(reading reader: inout OptionsReader)

    /// The names of outputs besides the main one (a `route` stage's routes), consumed as `id.name`.
    var namedOutputs: [String] { get }

    /// True when processing an event depends on nothing but that event, so the engine may fuse the
    /// stage with its neighbours and run copies of it in parallel.
    var isStateless: Bool { get }

    /// For stages with per-key state (aggregates): the fields whose values choose a partition when the
    /// stage runs with `parallelism` above 1. `nil` means the stage keeps global state and runs as one.
    var partitionFields: [FieldPath]? { get }

    /// Builds the runtime. Sources return a `Source`; other kinds a `Processor`.
    func makeRuntime(context: StageContext) throws -> StageRuntime
}

extension StageConfig {
    public var namedOutputs: [String] { [] }
    public var isStateless: Bool { false }
    public var partitionFields: [FieldPath]? { nil }

    /// True when `other` is a configuration of the same type and equal to this one: the same stage
    /// however it was written (a default spelled out, say).
    public func isEqual(to other: any StageConfig) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// What a stage needs to know about its place when its runtime is built.
public struct StageContext: Sendable {
    public var pipeline: String
    public var stage: String
    /// The index of this copy among `parallelism` copies, and their count.
    public var instance: Int
    public var instanceCount: Int
    /// Where problems in the input are reported; rate-limited.
    public var log: StageLog
    /// Turns abandoned when the shutdown limit passes, so blocking or retrying work can give up.
    public var shutdown: ShutdownSignal
    /// When a reload builds this stage to take the place of a running (or finished) stage with the same
    /// id: that stage's configuration. A stage that carries on with something outside the process (a
    /// `file` sink's file) continues it instead of starting over.
    public var replacing: (any StageConfig)?

    public init(
        pipeline: String, stage: String, instance: Int = 0, instanceCount: Int = 1, log: StageLog,
        shutdown: ShutdownSignal = ShutdownSignal(), replacing: (any StageConfig)? = nil
    ) {
        self.pipeline = pipeline
        self.stage = stage
        self.instance = instance
        self.instanceCount = instanceCount
        self.log = log
        self.shutdown = shutdown
        self.replacing = replacing
    }
}

/// A built stage: something that produces events on its own, or something that processes batches.
public enum StageRuntime {
    case source(any Source)
    case processor(any Processor)
}
