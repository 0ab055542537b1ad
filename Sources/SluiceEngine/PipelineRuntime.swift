import SluiceCore
import SluiceGraph

/// What one pipeline runs now: the plan, the runtime objects built for its stages, and the nodes wired
/// around them. Guarded by the pipeline's lock; a reload replaces it while the pipeline is quiet.
struct PipelineRuntime {
    var plan: ExecutionPlan
    var sources: [String: [SourceRunner]]
    var copies: [String: [StageCopy]]
    var metrics: [String: StageMetrics]
    /// Sources a reload removed or replaced that have not returned yet.
    var retiring: [RetiringSource] = []
    /// The nodes of the current wiring, and those of them that want periodic ticks.
    var nodes: [ProcessorNode] = []
    var tickingNodes: [(ProcessorNode, ConfigDuration)] = []
    /// Ids of the running stages that failed for good, each logged once (a reload that replaces one
    /// takes it off), and whether any stage ever failed.
    var failedStages: Set<String> = []
    var anyStageFailed = false
    /// Set by `stop`: a source a later reload starts is stopped at once.
    var stopped = false
    /// Set while a reload is under way; reloads wait for each other.
    var isReloading = false
}

/// A source a reload removed or replaced that has not returned yet, with the stages it fed. It may still
/// hold a batch it read: that batch goes to those stages, and its `end` closes them.
struct RetiringSource {
    let runner: SourceRunner
    let readers: [String]
}
