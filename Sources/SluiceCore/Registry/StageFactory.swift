/// How a stage type builds its runtime from its configuration.
///
/// The case is the stage's kind, and each case builds the runtime that kind runs — a source a `Source`,
/// the others a `Processor` — so a stage registered as a sink cannot build a source. The registry keeps
/// one per type, and every compiled stage carries its type's factory to the engine.
public enum StageFactory: Sendable {
    case source(SourceFactory)
    case transform(ProcessorFactory)
    case aggregation(ProcessorFactory)
    case sink(ProcessorFactory)

    /// The kind of stage this factory builds.
    public var kind: StageKind {
        switch self {
        case .source: return .source
        case .transform: return .transform
        case .aggregation: return .aggregation
        case .sink: return .sink
        }
    }
}

/// Builds running sources from configurations.
public typealias SourceFactory = RuntimeFactory<any Source>

/// Builds running transforms, aggregations and sinks from configurations.
public typealias ProcessorFactory = RuntimeFactory<any Processor>

/// Builds a runtime from a configuration of one type.
///
/// The registry stores configurations type-erased, so the factory checks the configuration it is given:
/// one of another type (a plugin whose config reader and factory disagree) is a `ConfigTypeMismatch`
/// when the stage is built, not a crash.
public struct RuntimeFactory<Runtime>: Sendable {
    private let build: @Sendable (any StageConfig, StageContext) throws -> Runtime

    /// A factory that builds runtimes from configurations of type `Config` with `make`.
    public init<Config: StageConfig>(_ make: @escaping @Sendable (Config, StageContext) throws -> Runtime) {
        build = { config, context in
            guard let config = config as? Config else {
                throw ConfigTypeMismatch(expected: "\(Config.self)", found: "\(type(of: config))")
            }
            return try make(config, context)
        }
    }

    /// Builds one copy of the runtime of `config`.
    public func make(_ config: any StageConfig, context: StageContext) throws -> Runtime {
        try build(config, context)
    }
}

extension RuntimeFactory where Runtime == any Source {
    /// The factory that builds sources with `Config.makeSource(context:)`.
    public static func building<Config: SourceConfig>(_: Config.Type) -> SourceFactory {
        SourceFactory { (config: Config, context) in try config.makeSource(context: context) }
    }
}

extension RuntimeFactory where Runtime == any Processor {
    /// The factory that builds processors with `Config.makeProcessor(context:)`.
    public static func building<Config: ProcessorConfig>(_: Config.Type) -> ProcessorFactory {
        ProcessorFactory { (config: Config, context) in try config.makeProcessor(context: context) }
    }
}

/// A factory was given a configuration of a type other than the one it builds from.
public struct ConfigTypeMismatch: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration type the factory builds from.
    public let expected: String
    /// The type it was given.
    public let found: String

    /// A mismatch between the `expected` and the `found` configuration type.
    public init(expected: String, found: String) {
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "the stage's factory builds from \(expected) but was given \(found); its config reader and factory disagree"
    }
}
