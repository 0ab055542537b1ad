import SluiceCore

/// A pipeline file after loading: its stages with their raw options and positions, not yet checked
/// against the registry. The graph compiler turns it into a `StageGraph`.
public struct PipelineDefinition: Sendable, Equatable {
    /// The pipeline's name: the file's `name:` or its stem.
    public var name: String
    /// Where `name:`'s value is written; the file's first line when the name is the file's stem.
    public var nameLocation: SourceLocation
    /// The file it was loaded from, as given.
    public var file: String
    /// Every stage, in file order (sources, then transforms, aggregations and sinks).
    public var stages: [StageDefinition]

    public init(name: String, nameLocation: SourceLocation? = nil, file: String, stages: [StageDefinition]) {
        self.name = name
        self.nameLocation = nameLocation ?? SourceLocation(file: file, line: 1, column: 1)
        self.file = file
        self.stages = stages
    }
}

/// One stage as written in the file.
public struct StageDefinition: Sendable, Equatable {
    public var id: String
    /// Where the stage's id is written.
    public var location: SourceLocation
    public var kind: StageKind
    public var typeName: String
    public var typeLocation: SourceLocation
    public var inputs: [InputReference]
    /// Copies of the stage to run side by side (`parallelism:`, default 1).
    public var parallelism: Int
    /// The stage's whole mapping; stage options are every key except `type`, `inputs` and `parallelism`.
    public var options: ConfigNode

    /// The keys the loader reads itself, which stage options must not claim.
    public static let commonKeys: Set<String> = ["type", "inputs", "parallelism"]

    public init(
        id: String, location: SourceLocation, kind: StageKind, typeName: String, typeLocation: SourceLocation,
        inputs: [InputReference], parallelism: Int, options: ConfigNode
    ) {
        self.id = id
        self.location = location
        self.kind = kind
        self.typeName = typeName
        self.typeLocation = typeLocation
        self.inputs = inputs
        self.parallelism = parallelism
        self.options = options
    }
}

/// An entry of `inputs`: a stage id, optionally with a named output (`route_id.errors`).
public struct InputReference: Sendable, Hashable, CustomStringConvertible {
    public var stage: String
    public var output: String?
    public var location: SourceLocation

    public init(stage: String, output: String?, location: SourceLocation) {
        self.stage = stage
        self.output = output
        self.location = location
    }

    /// Splits `id.output` at its first dot; stage ids themselves may not contain dots.
    public init(parsing text: String, location: SourceLocation) {
        if let dot = text.firstIndex(of: ".") {
            self.init(stage: String(text[..<dot]), output: String(text[text.index(after: dot)...]), location: location)
        } else {
            self.init(stage: text, output: nil, location: location)
        }
    }

    public var description: String { output.map { "\(stage).\($0)" } ?? stage }
}
