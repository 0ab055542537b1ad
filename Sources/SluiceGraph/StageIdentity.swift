import SluiceCore

/// What makes a stage the same running stage in two versions of its pipeline: its id, kind and type, its
/// typed, validated configuration, the outputs it reads and its parallelism.
///
/// The configuration is compared as the stage's `Config` value, not as the text written: `size: 10s` and
/// `size: 10000ms`, or `trim: true` and `trim: "true"`, read to equal configurations, so a reload keeps
/// the stage and its state. Positions, comments and key order never matter. The order of `inputs` does
/// not either: a stage reads all of them alike.
public struct StageIdentity: Sendable, Equatable {
    private let node: StageNode
    /// The resolved inputs, in a fixed order.
    private let inputs: [StageInput]

    /// The identity of `node`.
    public init(_ node: StageNode) {
        self.node = node
        inputs = node.inputs.sorted { ($0.stage, $0.port) < ($1.stage, $1.port) }
    }

    /// True when `a` and `b` are the same running stage.
    public static func == (a: StageIdentity, b: StageIdentity) -> Bool {
        a.node.id == b.node.id && a.node.kind == b.node.kind && a.node.typeName == b.node.typeName
            && a.inputs == b.inputs && a.node.parallelism == b.node.parallelism
            && a.node.config.isEqual(to: b.node.config)
    }
}

extension StageConfig {
    /// True when `other` is a configuration of this same type and equal to this one.
    fileprivate func isEqual(to other: any StageConfig) -> Bool {
        (other as? Self) == self
    }
}
