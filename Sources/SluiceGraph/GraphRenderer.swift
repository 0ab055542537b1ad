import SluiceCore

/// Draws a compiled graph for `runner graph`: a plain-text list, Graphviz dot, or a Mermaid flowchart.
public enum GraphRenderer {
    /// The output formats.
    public enum Format: String, CaseIterable, Sendable {
        case text
        case dot
        case mermaid
    }

    public static func render(_ graph: StageGraph, as format: Format) -> String {
        switch format {
        case .text: return text(graph)
        case .dot: return dot(graph)
        case .mermaid: return mermaid(graph)
        }
    }

    private static func label(_ node: StageNode) -> String {
        let copies = node.parallelism > 1 ? " ×\(node.parallelism)" : ""
        return "\(node.id) (\(node.kind.rawValue) \(node.typeName)\(copies))"
    }

    private static func text(_ graph: StageGraph) -> String {
        var lines = ["pipeline \(graph.name) (\(graph.file))"]
        for node in graph.nodes {
            let from = node.inputs.isEmpty ? "" : " ← " + node.inputs.map(\.label).joined(separator: ", ")
            lines.append("  \(label(node))\(from)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func dot(_ graph: StageGraph) -> String {
        let shapes: [StageKind: String] = [
            .source: "invhouse", .transform: "box", .aggregation: "box3d", .sink: "house",
        ]
        var lines = ["digraph \"\(escape(graph.name))\" {", "  rankdir=LR;"]
        for node in graph.nodes {
            lines.append("  \"\(escape(node.id))\" [label=\"\(escape(label(node)))\", shape=\(shapes[node.kind]!)];")
        }
        for node in graph.nodes {
            for input in node.inputs {
                let edgeLabel = input.port == 0 ? "" : " [label=\"\(escape(String(input.label.split(separator: ".").last!)))\"]"
                lines.append("  \"\(escape(input.stage))\" -> \"\(escape(node.id))\"\(edgeLabel);")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func mermaid(_ graph: StageGraph) -> String {
        var lines = ["flowchart LR"]
        let ids = Dictionary(uniqueKeysWithValues: graph.nodes.enumerated().map { ($0.element.id, "n\($0.offset)") })
        for node in graph.nodes {
            lines.append("  \(ids[node.id]!)[\"\(label(node).replacing("\"", with: "#quot;"))\"]")
        }
        for node in graph.nodes {
            for input in node.inputs {
                let arrow = input.port == 0 ? "-->" : "-->|\(input.label.split(separator: ".").last!)|"
                lines.append("  \(ids[input.stage]!) \(arrow) \(ids[node.id]!)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacing("\"", with: "\\\"")
    }
}
