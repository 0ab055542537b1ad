import SluiceCore

/// Follows the top-level fields from the sources through the stages that say what they do to them
/// (`FieldFlow`), and collects the warnings of stages that read fields which cannot reach them.
enum FieldFlowCheck {
    /// The warnings for `nodes`, which are in topological order.
    static func warnings(_ nodes: [StageNode]) -> Diagnostics {
        var outputs: [String: Set<String>] = [:]
        var warnings = Diagnostics()
        for node in nodes {
            guard let flow = node.config as? any FieldFlow else { continue }
            // Unknown unless every input's fields are known (a stage that is not a FieldFlow has none).
            var input: Set<String>?
            if node.kind.hasInputs {
                let known = node.inputs.compactMap { outputs[$0.stage] }
                if known.count == node.inputs.count { input = known.reduce(into: []) { $0.formUnion($1) } }
            }
            warnings.append(contentsOf: flow.fieldWarnings(given: input).attributed(to: node.id))
            if let fields = flow.outputFields(given: input) { outputs[node.id] = fields }
        }
        return warnings
    }
}
