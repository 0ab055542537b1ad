import SluiceCore
import SluiceGraph

/// Refuses reloads that look like a file caught half-written (an editor, `cp` or a slow network file
/// system saving in two writes): a version with a source, transform or aggregation whose output nothing
/// reads.
///
/// Such a version is a valid pipeline, so compiling cannot catch it; applied, it would drain and remove
/// the stages that deliver events. (A version cut before its sinks has no sink at all, which the loader
/// already refuses.) A stage that had no consumer in the running version too is let be.
enum ReloadSafety {
    /// Diagnostic code of a stage whose output nothing would read.
    static let noConsumer: DiagnosticCode = "no-consumer"

    /// The reasons to refuse replacing `running` with `next`; empty when the reload may go ahead.
    static func problems(replacing running: StageGraph, with next: StageGraph) -> Diagnostics {
        var diagnostics = Diagnostics()
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
