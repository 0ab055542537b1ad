import Logging
import SluiceCore
import SluiceGraph

/// The reload protocol: replaces the plan a pipeline runs with another while it runs, keeping the stages
/// the two share (by `StageIdentity`) with their state. Every event is handled entirely by the old plan or
/// entirely by the new one, once.
///
/// 1. The runtimes of added and changed stages are built: the only step that can fail, and it changes
///    nothing visible, so a failure leaves the old plan running.
/// 2. The sources pause, and the pipeline drains until nothing is in flight (up to the drain limit; past
///    it the reload gives up, and still nothing has changed).
/// 3. Removed and changed stages are finished, upstream first, each flushing into the stages after it.
/// 4. The old nodes are marked replaced, the new plan is wired around the kept stage copies (their state
///    moves over untouched), new sources start, and the sources resume.
///
/// A plan whose stages are all kept (a cosmetic edit) is adopted without pausing anything.
struct Reloader {
    let pipeline: RunningPipeline

    private var options: EngineOptions { pipeline.options }
    private var lock: ConditionLock { pipeline.lock }

    func reload(to plan: ExecutionPlan) throws(EngineError) -> ReloadReport {
        let old = lock.withLock { pipeline.runtime.plan }
        let diff = PlanDiff(from: old, to: plan)
        guard !diff.isEmpty else {
            lock.withLock { pipeline.runtime.plan = plan }
            return ReloadReport(diff: diff, pauseMilliseconds: 0)
        }
        let graph = plan.graph
        let fresh = graph.nodes.filter { diff.retired.contains($0.id) || diff.added.contains($0.id) }
        let metrics = lock.withLock { RunningPipeline.metrics(for: graph, reusing: pipeline.runtime.metrics) }
        var built = try RunningPipeline.buildRuntimes(
            for: fresh, metrics: metrics, options: options, shutdown: pipeline.shutdown, replacing: old.graph)

        let started = SystemClock.monotonicNanoseconds()
        let (oldSources, oldNodes, paused) = lock.withLock {
            let runtime = pipeline.runtime
            return (
                runtime.sources, runtime.nodes, Array(runtime.sources.values.joined()) + runtime.retiring.map(\.runner)
            )
        }
        for runner in paused { runner.pause() }
        // Nothing has changed yet, so a pipeline that does not drain in time can be left as it was.
        guard pipeline.inFlight.waitForZero(seconds: options.reloadDrainLimit.seconds) else {
            for runner in paused { runner.resume() }
            throw .notQuiet(
                pipeline: old.graph.name, seconds: options.reloadDrainLimit.seconds, busy: pipeline.unfinishedWork())
        }
        // A kept stage that has already finished (its branch ran out of input) is built again when the
        // new plan feeds it once more: a finished stage must not process anything. Known only now that
        // the pipeline is quiet; if it cannot be built, nothing has changed yet.
        let fedAgain = lock.withLock { finishedStagesFedAgain(in: graph, diff: diff) }
        do {
            let revived = try RunningPipeline.buildRuntimes(
                for: graph.nodes.filter { fedAgain.contains($0.id) }, metrics: metrics, options: options,
                shutdown: pipeline.shutdown, replacing: old.graph)
            built.copies.merge(revived.copies) { _, new in new }
        } catch {
            for runner in paused { runner.resume() }
            throw error
        }
        let retired = diff.retired.union(fedAgain)
        // Finish retired stages upstream first, so what one flushes still reaches the others.
        for node in oldNodes {
            let leaving = Set(node.links.filter { retired.contains($0.metrics.stage) }.map(ObjectIdentifier.init))
            guard !leaving.isEmpty else { continue }
            node.enqueue(.retire(leaving))
            waitUntilQuiet()
        }
        // A tick sent just before the pause may still arrive; the old nodes refuse it, or it drains here.
        for node in oldNodes { node.markReplaced() }
        waitUntilQuiet()
        lock.withLock {
            var runtime = pipeline.runtime
            var keptSources = oldSources.filter { !retired.contains($0.key) }
            var keptCopies = runtime.copies.filter { !retired.contains($0.key) && graph.node($0.key) != nil }
            keptSources.merge(built.sources) { _, new in new }
            keptCopies.merge(built.copies) { _, new in new }
            for (id, runners) in oldSources where retired.contains(id) {
                let readers = old.graph.consumers(of: id).map(\.node.id)
                for runner in runners {
                    runner.stop()
                    runtime.retiring.append(RetiringSource(runner: runner, readers: readers))
                }
            }
            runtime.sources = keptSources
            runtime.copies = keptCopies
            runtime.failedStages.subtract(retired)
            runtime.metrics = metrics
            runtime.plan = plan
            pipeline.runtime = runtime
            pipeline.rewire()
            for (id, runners) in built.sources where pipeline.runtime.sources[id] != nil {
                for runner in runners { pipeline.startSource(runner) }
            }
        }
        for runner in paused { runner.resume() }
        let pause = Double(SystemClock.monotonicNanoseconds() - started) / 1e6
        return ReloadReport(diff: diff, pauseMilliseconds: pause)
    }

    /// Kept processor stages whose every copy has finished but that a live producer of `graph` feeds:
    /// a source that is new, changed or still running, or a stage fed by one. Called with `lock` held.
    private func finishedStagesFedAgain(in graph: StageGraph, diff: PlanDiff) -> Set<String> {
        let replaced = diff.retired.union(diff.added)
        let runtime = pipeline.runtime
        var live: Set<String> = []
        var fedAgain: Set<String> = []
        for node in graph.nodes {
            if node.kind == .source {
                let running = runtime.sources[node.id]?.contains { !$0.hasEnded } ?? false
                if replaced.contains(node.id) || running { live.insert(node.id) }
                continue
            }
            guard node.inputs.contains(where: { live.contains($0.stage) }) else { continue }
            live.insert(node.id)
            if !replaced.contains(node.id), let kept = runtime.copies[node.id], kept.allSatisfy(\.finished) {
                fedAgain.insert(node.id)
            }
        }
        return fedAgain
    }

    /// Sleeps until no message is queued or being handled; sources must be paused. Called once retired
    /// stages are finishing, when there is no going back: each time the drain limit passes it logs what
    /// is still at work, and waits on.
    private func waitUntilQuiet() {
        let limit = options.reloadDrainLimit.seconds
        var waited = 0.0
        while !pipeline.inFlight.waitForZero(seconds: limit) {
            waited += limit
            let busy = pipeline.unfinishedWork().map(\.summary).joined(separator: "; ")
            let seconds = NumberText.fixed(waited, decimals: 1)
            let message =
                "a reload has waited \(seconds) s for retired stages to drain; its sources stay paused until "
                + "they do (\(busy))"
            Logger(label: "sluice").error("\(message)", metadata: ["pipeline": "\(pipeline.graph.name)"])
        }
    }
}

/// What one reload did.
public struct ReloadReport: Sendable {
    /// What the reload kept, changed, added and removed.
    public let diff: PlanDiff
    /// How long the sources were paused (0 when every stage was kept and nothing paused).
    public let pauseMilliseconds: Double
}
