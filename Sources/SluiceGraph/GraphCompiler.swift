import SluiceConfig
import SluiceCore

/// Turns a `PipelineDefinition` into a `StageGraph` against a registry: pure and synchronous, it starts
/// nothing and collects every problem before failing.
public struct GraphCompiler: Sendable {
    public let registry: StageRegistry

    public init(registry: StageRegistry) {
        self.registry = registry
    }

    /// Compiles `definition`, or returns every diagnostic found. A graph carries the warnings found.
    public func compile(_ definition: PipelineDefinition) -> Result<StageGraph, Diagnostics> {
        var diagnostics = Diagnostics()
        var configs: [String: any StageConfig] = [:]
        var entries: [String: StageRegistry.Entry] = [:]
        for stage in definition.stages {
            guard let (config, entry) = readConfig(stage, diagnostics: &diagnostics) else { continue }
            configs[stage.id] = config
            entries[stage.id] = entry
        }
        let byId = Dictionary(definition.stages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var inputs: [String: [StageInput]] = [:]
        for stage in definition.stages {
            inputs[stage.id] = stage.inputs.compactMap {
                resolve($0, of: stage, byId: byId, configs: configs, diagnostics: &diagnostics)
            }
        }
        let order = topologicalOrder(definition.stages, inputs: inputs, diagnostics: &diagnostics)
        if diagnostics.hasErrors { return .failure(diagnostics) }
        let nodes = order.map { stage in
            let entry = entries[stage.id]!
            // A type whose code lives outside the runner (a plugin) folds its revision into the digest, so the
            // running configuration's hash changes with the plugin's files too.
            return StageNode(
                id: stage.id, typeName: stage.typeName, config: configs[stage.id]!, factory: entry.factory,
                inputs: inputs[stage.id] ?? [], parallelism: stage.parallelism, location: stage.location,
                options: stage.options, optionsDigest: OptionsDigest.of(stage.options, revision: entry.revision))
        }
        diagnostics.append(contentsOf: FieldFlowCheck.warnings(nodes))
        return .success(
            StageGraph(
                name: definition.name, nameLocation: definition.nameLocation, file: definition.file, nodes: nodes,
                warnings: diagnostics))
    }

    /// The stage's config and its type's entry; `nil` when the type is unknown or the options invalid.
    private func readConfig(
        _ stage: StageDefinition, diagnostics: inout Diagnostics
    ) -> (config: any StageConfig, entry: StageRegistry.Entry)? {
        guard let entry = registry.entry(named: stage.typeName, kind: stage.kind) else {
            let names = registry.names(of: stage.kind)
            var message = "unknown \(stage.kind.rawValue) type '\(stage.typeName)'"
            let otherKinds = StageKind.allCases.filter { registry.entry(named: stage.typeName, kind: $0) != nil }
            if let other = otherKinds.first {
                message += " ('\(stage.typeName)' is a \(other.rawValue) type; move it under '\(other.section)')"
            }
            diagnostics.error(
                .unknownStageType, message, at: stage.typeLocation, stage: stage.id,
                suggestion: otherKinds.isEmpty ? Suggestion.closest(to: stage.typeName, among: names) : nil)
            return nil
        }
        var reader = OptionsReader(stage.options, stage: stage.id, ignoring: StageDefinition.commonKeys)
        let config = entry.readConfig(&reader)
        diagnostics.append(contentsOf: reader.finish())
        guard let config else { return nil }
        if stage.parallelism > 1, !config.isStateless, config.partitionFields == nil {
            diagnostics.error(
                .invalidValue, "stage type '\(stage.typeName)' keeps global state and cannot run with parallelism > 1",
                at: stage.options["parallelism"]?.location ?? stage.location, stage: stage.id)
        }
        return (config, entry)
    }

    private func resolve(
        _ input: InputReference, of stage: StageDefinition, byId: [String: StageDefinition],
        configs: [String: any StageConfig], diagnostics: inout Diagnostics
    ) -> StageInput? {
        guard let producer = byId[input.stage] else {
            let candidates = byId.values.filter { $0.kind.hasOutputs && $0.id != stage.id }.map(\.id).sorted()
            diagnostics.error(
                .unknownInput, "input '\(input.stage)' is not a stage of this pipeline", at: input.location,
                stage: stage.id, suggestion: Suggestion.closest(to: input.stage, among: candidates))
            return nil
        }
        guard producer.kind.hasOutputs else {
            diagnostics.error(
                .kindMismatch, "input '\(input.stage)' is a sink; sinks have no output to read", at: input.location,
                stage: stage.id)
            return nil
        }
        guard let outputName = input.output else { return StageInput(stage: producer.id, port: 0, label: producer.id) }
        // Without a valid config the producer's outputs are unknown; its own diagnostics say why.
        guard let config = configs[producer.id] else { return nil }
        guard let index = config.namedOutputs.firstIndex(of: outputName) else {
            let names = config.namedOutputs
            let known = names.isEmpty ? "it has none" : "it has \(names.map { "'\($0)'" }.joined(separator: ", "))"
            diagnostics.error(
                .unknownInput, "stage '\(producer.id)' has no output named '\(outputName)'; \(known)",
                at: input.location, stage: stage.id, suggestion: Suggestion.closest(to: outputName, among: names))
            return nil
        }
        return StageInput(stage: producer.id, port: index + 1, label: input.description)
    }

    /// Kahn's algorithm in rounds: each round places, in file order, the stages whose last input the
    /// previous round placed. Stages left over sit on or behind a cycle, reported once per cycle.
    private func topologicalOrder(
        _ stages: [StageDefinition], inputs: [String: [StageInput]], diagnostics: inout Diagnostics
    ) -> [StageDefinition] {
        // Counts and reader lists instead of rescanning every stage each round: linear in stages and edges.
        var unplacedInputs = [Int](repeating: 0, count: stages.count)
        var readers: [String: [Int]] = [:]
        for (index, stage) in stages.enumerated() {
            for input in inputs[stage.id] ?? [] {
                unplacedInputs[index] += 1
                readers[input.stage, default: []].append(index)
            }
        }
        var placed = [Bool](repeating: false, count: stages.count)
        var order: [StageDefinition] = []
        var ready = stages.indices.filter { unplacedInputs[$0] == 0 }
        while !ready.isEmpty {
            var next: [Int] = []
            for index in ready {
                placed[index] = true
                order.append(stages[index])
                for reader in readers[stages[index].id] ?? [] {
                    unplacedInputs[reader] -= 1
                    if unplacedInputs[reader] == 0 { next.append(reader) }
                }
            }
            ready = next.sorted()
        }
        let remaining = stages.indices.filter { !placed[$0] }.map { stages[$0] }
        guard !remaining.isEmpty else { return order }
        let stuck = Dictionary(remaining.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Stages already explained: on a reported cycle or on a path into one. Walks stop at them, so a
        // long chain behind a cycle costs linear time.
        var explained: Set<String> = []
        for stage in remaining where !explained.contains(stage.id) {
            let walk = walkInputs(from: stage.id, stuck: stuck, inputs: inputs, stoppingAt: explained)
            explained.formUnion(walk.path)
            guard var cycle = walk.cycle else { continue }
            // Start the loop at its stage that comes first in the file, so the message reads naturally.
            let members = Set(cycle)
            if let first = remaining.first(where: { members.contains($0.id) }),
                let index = cycle.firstIndex(of: first.id)
            {
                cycle = Array(cycle[index...] + cycle[..<index])
            }
            let first = stuck[cycle[0]]!
            diagnostics.error(
                .cycle, "the stages form a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))",
                at: first.location, stage: first.id)
        }
        return order
    }

    /// Follows inputs from `start` among the stuck stages until a stage repeats (the loop is returned as
    /// `cycle`) or the walk reaches a stage in `known` or leaves the stuck stages (no new cycle).
    private func walkInputs(
        from start: String, stuck: [String: StageDefinition], inputs: [String: [StageInput]],
        stoppingAt known: Set<String>
    ) -> (path: [String], cycle: [String]?) {
        var path: [String] = []
        var positions: [String: Int] = [:]
        var current = start
        while positions[current] == nil {
            if known.contains(current) { return (path, nil) }
            positions[current] = path.count
            path.append(current)
            guard let next = (inputs[current] ?? []).first(where: { stuck[$0.stage] != nil })?.stage else {
                return (path, nil)
            }
            current = next
        }
        // The path runs against the data flow; reverse the loop so the message reads producer → consumer.
        return (path, Array(path[positions[current]!...].reversed()))
    }
}
