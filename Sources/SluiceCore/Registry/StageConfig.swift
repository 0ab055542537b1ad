/// A stage's decoded, validated configuration.
///
/// Configs are `Equatable` so a reload can tell a changed stage from a kept one, and `Sendable` so a
/// compiled graph can cross threads. A config builds its runtime through the protocol of its kind:
/// `SourceConfig` or `ProcessorConfig`.
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
}

extension StageConfig {
    /// No named outputs: only the main one.
    public var namedOutputs: [String] { [] }
    /// Stateful unless the config says otherwise.
    public var isStateless: Bool { false }
    /// No partitioning: the stage runs as one copy.
    public var partitionFields: [FieldPath]? { nil }

    /// True when `other` is a configuration of the same type and equal to this one: the same stage
    /// however it was written (a default spelled out, say).
    public func isEqual(to other: any StageConfig) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// The configuration of a source: builds the running `Source`.
public protocol SourceConfig: StageConfig {
    /// Builds one copy of the running source; an error stops the pipeline from starting.
    func makeSource(context: StageContext) throws -> any Source
}

/// The configuration of a transform, aggregation or sink: builds the running `Processor`.
public protocol ProcessorConfig: StageConfig {
    /// Builds one copy of the running processor; an error stops the pipeline from starting.
    func makeProcessor(context: StageContext) throws -> any Processor
}

/// What a stage needs to know about its place when its runtime is built.
public struct StageContext: Sendable {
    /// The pipeline's name.
    public var pipeline: String
    /// The stage's id.
    public var stage: String
    /// The index of this copy among `parallelism` copies.
    public var instance: Int
    /// The number of copies (`parallelism`).
    public var instanceCount: Int
    /// Where problems in the input are reported; rate-limited.
    public var log: StageLog
    /// Turns abandoned when the shutdown limit passes, so blocking or retrying work can give up.
    public var shutdown: ShutdownSignal
    /// When a reload builds this stage to take the place of a running (or finished) stage with the same
    /// id: that stage's configuration. A stage that carries on with something outside the process (a
    /// `file` sink's file) continues it instead of starting over.
    public var replacing: (any StageConfig)?

    /// The context of copy `instance` of `instanceCount` of stage `stage`.
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
