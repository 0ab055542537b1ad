import SluiceCore

/// Why the engine could not start a pipeline or apply a reload; in both cases nothing changed.
public enum EngineError: Error, CustomStringConvertible {
    /// A stage's runtime could not be built (a file that cannot be opened, say).
    case cannotStart(pipeline: String, stage: String, underlying: any Error)
    /// A reload waited `seconds` for the pipeline to drain and gave up; `busy` is what was still at work.
    case notQuiet(pipeline: String, seconds: Double, busy: [UnfinishedWork])

    public var description: String {
        switch self {
        case .cannotStart(let pipeline, let stage, let underlying):
            return "pipeline '\(pipeline)' stage '\(stage)': cannot start: \(underlying)"
        case .notQuiet(let pipeline, let seconds, let busy):
            let detail = busy.isEmpty ? "" : " (" + busy.map(\.summary).joined(separator: "; ") + ")"
            return
                "pipeline '\(pipeline)': the reload gave up after waiting \(NumberText.fixed(seconds, decimals: 1)) s "
                + "for the pipeline to drain\(detail)"
        }
    }
}
