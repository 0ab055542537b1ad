import SluiceConfig
import SluiceCore

/// A compiled pipeline: every stage checked against the registry, with its validated configuration and
/// resolved connections. Immutable; a reload compiles a new graph and compares the two.
public struct StageGraph: Sendable {
    /// The pipeline's name.
    public let name: String
    /// Where the name is written (`name:`'s value), or the file's start when the name is the file's stem.
    public let nameLocation: SourceLocation
    /// The file it came from.
    public let file: String
    /// The stages in topological order: every stage comes after all of its inputs.
    public let nodes: [StageNode]
    /// What the compiler warned about (problems that do not stop the pipeline), in file order.
    public let warnings: Diagnostics
    // Indexes into `nodes`, so lookups stay constant-time in graphs of thousands of stages.
    private let indexById: [String: Int]
    private let consumerIndexes: [String: [(node: Int, port: Int)]]

    init(
        name: String, nameLocation: SourceLocation, file: String, nodes: [StageNode],
        warnings: Diagnostics = Diagnostics()
    ) {
        self.name = name
        self.nameLocation = nameLocation
        self.file = file
        self.nodes = nodes
        self.warnings = warnings
        indexById = Dictionary(nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var consumers: [String: [(node: Int, port: Int)]] = [:]
        for (index, node) in nodes.enumerated() {
            for input in node.inputs { consumers[input.stage, default: []].append((index, input.port)) }
        }
        consumerIndexes = consumers
    }

    /// The node with id `id`.
    public func node(_ id: String) -> StageNode? {
        indexById[id].map { nodes[$0] }
    }

    /// The nodes that read an output of `id`, with the port they read, in graph order.
    public func consumers(of id: String) -> [(node: StageNode, port: Int)] {
        (consumerIndexes[id] ?? []).map { (nodes[$0.node], $0.port) }
    }
}

/// One stage of a compiled graph.
public struct StageNode: Sendable, CustomStringConvertible {
    public let id: String
    public let typeName: String
    public let config: any StageConfig
    /// Builds the stage's runtime from `config`: its type's factory from the registry.
    public let factory: StageFactory
    /// Resolved inputs: the producing stage and the output port read (0 = main output).
    public let inputs: [StageInput]
    public let parallelism: Int
    public let location: SourceLocation
    /// The stage's mapping as written, for showing what a reload changes.
    public let options: ConfigNode
    /// A digest of `options` as written (positions and key order ignored), for display: the running
    /// configuration's hash. Whether a reload keeps the stage is decided by `identity`, not by this.
    public let optionsDigest: UInt64

    /// What makes this the same running stage in two versions of its pipeline.
    public var identity: StageIdentity { StageIdentity(self) }

    /// The stage's kind: its factory's, so the section it was written in and the runtime it builds agree.
    public var kind: StageKind { factory.kind }

    public var description: String { "\(id) (\(kind.rawValue) \(typeName))" }
}

/// A resolved `inputs` entry.
public struct StageInput: Sendable, Hashable {
    public let stage: String
    public let port: Int
    /// The output's name as written, for display (`route.errors`).
    public let label: String
}

extension StageGraph {
    /// A digest of the name and every stage's options as written: equal for two graphs written the same
    /// way (positions and key order aside). Exported as the running configuration's hash.
    public var digest: String {
        var hasher = FNV1a()
        hasher.add(name)
        for node in nodes { hasher.add("\(node.id)@\(hexadecimal(node.optionsDigest))") }
        return hasher.hex
    }
}

extension StageGraph {
    /// A graph with no stages, named like `graph`: what "nothing running" is to a diff.
    public static func empty(like graph: StageGraph) -> StageGraph {
        StageGraph(name: graph.name, nameLocation: graph.nameLocation, file: graph.file, nodes: [])
    }
}

extension DiagnosticCode {
    /// Two pipelines of one runner share a name.
    public static let duplicatePipeline: DiagnosticCode = "duplicate-pipeline"
}

extension StageGraph {
    /// The error refusing this pipeline because the pipeline of `file` already has its name, pointing at
    /// this file's `name:`. A name labels every metric and stats row, so two pipelines cannot share one.
    public func duplicateNameError(usedBy file: String) -> Diagnostic {
        Diagnostic(
            code: .duplicatePipeline,
            message: "pipeline name '\(name)' is already used by \(file); give this file its own 'name:'",
            location: nameLocation)
    }
}
