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
    /// The key as written in the pipeline file; nested options as `parent.key`.
    public var name: String
    /// The option's type as users write it: `string`, `duration`, `[field]`, `expression`, `ndjson | csv`.
    public var type: String
    /// The default, or `nil` for a required option.
    public var defaultValue: String?
    /// What the option does, in a sentence or two.
    public var summary: String

    /// An option named `name` of type `type`; without `default` it is required.
    public init(_ name: String, _ type: String, default defaultValue: String? = nil, _ summary: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// A stage type: the static facts the registry needs about it, and the configuration that builds it.
///
/// A stage is one file (docs/writing-stages.md): `XConfig`, which reads and validates its options and
/// builds the runtime, and the runtime `X`, which conforms to the protocol of its kind — `SourceStage`,
/// `TransformStage`, `AggregationStage` or `SinkStage` — and carries the facts below. The kind protocol
/// supplies `factory`, so the section a stage belongs in and the runtime it builds cannot disagree.
/// Built-in stages and plugins register the same way: `try registry.register(X.self)`.
public protocol Stage {
    /// The configuration: decoded and validated options, and the factory of the runtime.
    associatedtype Config: StageConfig

    /// The name used as `type:` in pipeline files.
    static var typeName: String { get }
    /// One sentence for `runner stages`.
    static var summary: String { get }
    /// Every option the config reads.
    static var options: [OptionDoc] { get }
    /// A complete pipeline file that uses this stage; tested to validate.
    static var example: String { get }
    /// How the engine builds the stage's runtime from a `Config`; its case is the stage's kind.
    static var factory: StageFactory { get }
}

extension Stage {
    /// The section this stage type belongs in: its factory's kind.
    public static var kind: StageKind { factory.kind }
}

/// A stage that reads from the outside world: listed under `sources`, its config builds a `Source`.
public protocol SourceStage: Stage where Config: SourceConfig {}

/// A stage that changes events one batch at a time: listed under `transforms`.
public protocol TransformStage: Stage where Config: ProcessorConfig {}

/// A stage that combines events over groups and windows: listed under `aggregations`.
public protocol AggregationStage: Stage where Config: ProcessorConfig {}

/// A stage that writes events to the outside world: listed under `sinks`.
public protocol SinkStage: Stage where Config: ProcessorConfig {}

extension SourceStage {
    /// Builds a `Source` with `Config.makeSource(context:)`.
    public static var factory: StageFactory { .source(.building(Config.self)) }
}

extension TransformStage {
    /// Builds a `Processor` with `Config.makeProcessor(context:)`.
    public static var factory: StageFactory { .transform(.building(Config.self)) }
}

extension AggregationStage {
    /// Builds a `Processor` with `Config.makeProcessor(context:)`.
    public static var factory: StageFactory { .aggregation(.building(Config.self)) }
}

extension SinkStage {
    /// Builds a `Processor` with `Config.makeProcessor(context:)`.
    public static var factory: StageFactory { .sink(.building(Config.self)) }
}
