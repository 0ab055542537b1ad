import SluiceCore

/// Draws an execution plan for `runner graph`: its stages and edges, and how they run — which stages
/// share a node, each node's queues and copies, how batches spread over the copies — as a plain-text
/// list, Graphviz dot, or a Mermaid flowchart.
public enum PlanRenderer {
    /// The output formats.
    public enum Format: String, CaseIterable, Sendable {
        case text
        case dot
        case mermaid
    }

    /// `plan` drawn in `format`.
    public static func render(_ plan: ExecutionPlan, as format: Format) -> String {
        switch format {
        case .text: return text(plan)
        case .dot: return dot(plan)
        case .mermaid: return mermaid(plan)
        }
    }

    private static func label(_ node: StageNode) -> String {
        let copies = node.parallelism > 1 ? " ×\(node.parallelism)" : ""
        return "\(node.id) (\(node.kind.rawValue) \(node.typeName)\(copies))"
    }

    /// The node's short name in a drawing: `n1`, `n2`, ...
    private static func key(_ index: Int) -> String { "n\(index + 1)" }

    /// What a node's queues are: `1 queue of 16384 events` or `4 queues of 16384 events, partitioned by k`.
    private static func queues(_ node: PlanNode, capacity: Int) -> String {
        let spread = node.copies > 1 ? ", \(node.spread)" : ""
        return "\(node.copies) queue\(node.copies == 1 ? "" : "s") of \(capacity) events\(spread)"
    }

    private static func readers(_ outlets: [Int]) -> String {
        outlets.isEmpty ? "" : " → " + outlets.map(key).joined(separator: ", ")
    }

    private static func text(_ plan: ExecutionPlan) -> String {
        let graph = plan.graph
        let stageCount = graph.nodes.count
        var lines = [
            "pipeline \(graph.name) (\(graph.file)): \(stageCount) stage\(stageCount == 1 ? "" : "s") in "
                + "\(plan.sources.count) source\(plan.sources.count == 1 ? "" : "s") and \(plan.nodes.count) "
                + "node\(plan.nodes.count == 1 ? "" : "s") with \(plan.queueCount) queue\(plan.queueCount == 1 ? "" : "s")"
        ]
        for source in plan.sources {
            lines.append("  \(label(source.stage))\(readers(source.outlets))")
        }
        for node in plan.nodes {
            let producers = node.producerCount
            var header = "  \(key(node.index)): \(queues(node, capacity: plan.queueCapacity)); "
            header += "ends after \(producers) producer\(producers == 1 ? "" : "s")"
            for (port, outlets) in node.outlets.enumerated() where !outlets.isEmpty {
                let tail = node.stages[node.stages.count - 1]
                header +=
                    port == 0
                    ? readers(outlets) : "; \(tail.id).\(tail.config.namedOutputs[port - 1])\(readers(outlets))"
            }
            lines.append(header)
            for stage in node.stages {
                lines.append("    \(label(stage)) ← " + stage.inputs.map(\.label).joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The body of a drawing: the sources, each node as a cluster around its stages, then every edge;
    /// `stage`, `cluster` (the lines that open and close a node's cluster, given its title) and `edge`
    /// write them in the format.
    private static func draw(
        _ plan: ExecutionPlan, stage: (StageNode) -> String,
        cluster: (PlanNode, String) -> (open: String, close: String),
        edge: (StageInput, StageNode) -> String
    ) -> [String] {
        var lines = plan.sources.map { "  " + stage($0.stage) }
        for node in plan.nodes {
            let (open, close) = cluster(node, "\(key(node.index)): \(queues(node, capacity: plan.queueCapacity))")
            lines.append("  " + open)
            for member in node.stages { lines.append("    " + stage(member)) }
            lines.append("  " + close)
        }
        for node in plan.graph.nodes {
            for input in node.inputs { lines.append("  " + edge(input, node)) }
        }
        return lines
    }

    private static func dot(_ plan: ExecutionPlan) -> String {
        let shapes: [StageKind: String] = [
            .source: "invhouse", .transform: "box", .aggregation: "box3d", .sink: "house",
        ]
        let body = draw(
            plan,
            stage: { "\"\(escape($0.id))\" [label=\"\(escape(label($0)))\", shape=\(shapes[$0.kind]!)];" },
            cluster: { node, title in ("subgraph cluster_\(key(node.index)) { label=\"\(escape(title))\";", "}") },
            edge: { input, node in
                let edgeLabel = input.port == 0 ? "" : " [label=\"\(escape(outputName(input)))\"]"
                return "\"\(escape(input.stage))\" -> \"\(escape(node.id))\"\(edgeLabel);"
            })
        return (["digraph \"\(escape(plan.graph.name))\" {", "  rankdir=LR;"] + body + ["}"]).joined(separator: "\n")
            + "\n"
    }

    private static func mermaid(_ plan: ExecutionPlan) -> String {
        let ids = Dictionary(
            uniqueKeysWithValues: plan.graph.nodes.enumerated().map { ($0.element.id, "s\($0.offset)") })
        let body = draw(
            plan, stage: { "\(ids[$0.id]!)[\"\(label($0).replacing("\"", with: "#quot;"))\"]" },
            cluster: { node, title in
                ("subgraph \(key(node.index))[\"\(title.replacing("\"", with: "#quot;"))\"]", "end")
            },
            edge: { input, node in
                let arrow = input.port == 0 ? "-->" : "-->|\(outputName(input))|"
                return "\(ids[input.stage]!) \(arrow) \(ids[node.id]!)"
            })
        return (["flowchart LR"] + body).joined(separator: "\n") + "\n"
    }

    /// The named output an input reads (`errors` of `route.errors`).
    private static func outputName(_ input: StageInput) -> String {
        input.label.split(separator: ".", maxSplits: 1).last.map(String.init) ?? input.label
    }

    private static func escape(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
    }
}
