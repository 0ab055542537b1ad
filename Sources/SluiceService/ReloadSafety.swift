import SluiceCore
import SluiceGraph

/// Refuses reloads that look like a file caught half-written (an editor, `cp` or a slow network file
/// system saving in two writes): a version with no sink where the running one has sinks, or with a
/// source, transform or aggregation whose output nothing reads.
///
/// Both would be valid pipelines, so compiling cannot catch them; applied, they drain and remove the
/// stages that deliver events. A stage that had no consumer in the running version too is let be.
enum ReloadSafety {
    /// Diagnostic code of a version that would remove every sink.
    static let removesEverySink: DiagnosticCode = "reload-removes-every-sink"
    /// Diagnostic code of a stage whose output nothing would read.
    static let noConsumer: DiagnosticCode = "no-consumer"

    /// The reasons to refuse replacing `running` with `next`; empty when the reload may go ahead.
    static func problems(replacing running: StageGraph, with next: StageGraph) -> Diagnostics {
        var diagnostics = Diagnostics()
        let runningSinks = running.nodes.filter { $0.kind == .sink }.map(\.id)
        if !runningSinks.isEmpty, !next.nodes.contains(where: { $0.kind == .sink }) {
            diagnostics.error(
                removesEverySink,
                "this version has no sink, so reloading it would remove every sink of the running pipeline ("
                    + runningSinks.map { "'\($0)'" }.joined(separator: ", ")
                    + "); not applied (is the file still being written? save to a temporary file and rename it)",
                at: next.nodes.first?.location ?? SourceLocation(file: next.file, line: 1, column: 1))
        }
        for node in next.nodes where node.kind != .sink && next.consumers(of: node.id).isEmpty {
            if let before = running.node(node.id), before.kind != .sink, running.consumers(of: node.id).isEmpty {
                continue
            }
            diagnostics.error(
                noConsumer,
                "nothing reads this \(node.kind.rawValue)'s output, so reloading this version would leave it "
                    + "without a consumer; not applied (is the file still being written?)",
                at: node.location, stage: node.id)
        }
        return diagnostics
    }
}
