import Logging
import SluiceCore
import SluiceEngine
import SluiceGraph
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the pipelines of one `runner apply` in step with their files: starts them, reloads a changed
/// file into its running pipeline, starts pipelines for new files and drains those whose file is gone.
///
/// An invalid file never touches what runs: its diagnostics are logged exactly as `runner validate`
/// prints them and the failure is counted (a version cut before its sinks is invalid: it has no sink). So
/// is a version that looks half-written (`ReloadSafety`): a stage nothing reads. Reloading one file never
/// touches another file's pipeline, and a file whose `name:` another file's pipeline already has (a copy
/// dropped into the watched folder) is refused: the name labels every metric and stats row. It is tried
/// again when that name is freed.
public final class PipelineSupervisor: @unchecked Sendable {
    /// Turns a file into a graph, printing nothing.
    public typealias Compile = @Sendable (String) -> Result<StageGraph, Diagnostics>

    /// The outcome of one attempt to apply a file, as counted in `sluice_pipeline_reloads_total`.
    public enum Outcome: String, Sendable, CaseIterable {
        /// The new graph runs.
        case applied
        /// The file changed but compiles to the same stages.
        case unchanged
        /// The file has errors, or looks half-written; the running version continues.
        case invalid
        /// A new stage could not start; the running version continues.
        case failed
        /// Another file's pipeline has the name the file gives; the file is refused. Counted under that name.
        case duplicate
    }

    private struct Managed {
        var pipeline: RunningPipeline
        var reloads: [Outcome: Int] = [:]
        var lastPauseMilliseconds: Double?
    }

    private let engine: Engine
    private let compile: Compile
    private let logger: Logger
    private let lock = Mutex<State>(State())
    /// Held while a file is applied or removed.
    private let changes = Mutex<Void>(())

    private struct State {
        var byFile: [String: Managed] = [:]
        /// Pipelines stopped because their file was removed, still draining.
        var leaving: [RunningPipeline] = []
        /// Files whose pipeline is being built (a stage opening its output may block there).
        var starting: Set<String> = []
        /// Files refused because another file's pipeline has their name, with that name.
        var refusedNames: [String: String] = [:]
        var stopping = false
        /// Set once `start` has returned: until then the pipelines of the command line count as unfinished.
        var started = false
    }

    /// A supervisor starting pipelines on `engine`; `logger` hears of every start, reload and refusal.
    public init(engine: Engine, compile: @escaping Compile, logger: Logger) {
        self.engine = engine
        self.compile = compile
        self.logger = logger
    }

    /// Starts the compiled `graphs` (from `files`, in order). If one cannot start, those started are
    /// stopped and still drain: `waitAll` waits for them.
    public func start(_ graphs: [(file: String, graph: StageGraph)]) throws(EngineError) {
        defer { lock.withLock { $0.started = true } }
        for (file, graph) in graphs {
            do {
                try launch(file, graph)
            } catch {
                stopAll()
                throw error
            }
        }
    }

    /// True once every pipeline given to `start` runs, while none is being built and no stop was asked
    /// for: what `GET /ready` answers. (A failed `start` ends the runner.)
    public var isReady: Bool {
        lock.withLock { $0.started && !$0.stopping && $0.starting.isEmpty }
    }

    /// True once a stop was asked for (SIGINT/SIGTERM): the pipelines drain.
    public var isStopping: Bool {
        lock.withLock { $0.stopping }
    }

    /// The running pipelines with their files, by pipeline name.
    public var runningPipelines: [(file: String, pipeline: RunningPipeline)] {
        lock.withLock { $0.byFile.map { (file: $0.key, pipeline: $0.value.pipeline) } }
            .sorted { $0.pipeline.graph.name < $1.pipeline.graph.name }
    }

    /// Applies what the watcher saw. Removed files' pipelines are drained only when `removesStop`
    /// (a watched folder); a watched single file that disappears keeps its pipeline running.
    public func apply(_ changes: FileWatcher.Changes, removesStop: Bool) {
        // Removals first: a file renamed in a watched folder is one removed and one added, and the added
        // one must not find the pipeline's name still held by the file it was.
        for file in changes.removed {
            if removesStop {
                remove(file)
            } else {
                logger.notice("'\(file)' disappeared; its pipeline keeps running as it was")
            }
        }
        for file in changes.changed + changes.added { reload(file) }
    }

    /// Reloads every file (SIGHUP), including files refused for a name in use.
    public func reloadAll() {
        for file in lock.withLock({ Set($0.byFile.keys).union($0.refusedNames.keys).sorted() }) { reload(file) }
    }

    /// Loads `file` again and applies it: a reload of its pipeline, or a start for a new file.
    public func reload(_ file: String) {
        // One change at a time: a SIGHUP and the watcher must not both start a pipeline for one file.
        changes.withLock { _ in reloadOne(file) }
    }

    /// Stops the pipeline of a removed file; it drains before it goes.
    public func remove(_ file: String) {
        changes.withLock { _ in removeFile(file) }
    }

    private func reloadOne(_ file: String) {
        guard !lock.withLock({ $0.stopping }) else { return }
        let started = SystemClock.monotonicNanoseconds()
        let existing = lock.withLock { $0.byFile[file]?.pipeline }
        let graph: StageGraph
        switch compile(file) {
        case .failure(let diagnostics):
            refuse(file, running: existing != nil, diagnostics)
            return
        case .success(let compiled):
            graph = compiled
        }
        if let owner = fileRunning(graph.name, besides: file) {
            refuseDuplicate(file, graph, owner: owner, running: existing != nil)
            return
        }
        lock.withLock { _ = $0.refusedNames.removeValue(forKey: file) }
        if let pipeline = existing, pipeline.graph.name == graph.name {
            let problems = ReloadSafety.problems(replacing: pipeline.graph, with: graph)
            guard problems.isEmpty else {
                refuse(file, running: true, problems)
                return
            }
        }
        if let pipeline = existing, pipeline.graph.name != graph.name {
            // The name labels every metric; a renamed pipeline is a different pipeline.
            let waiting = files(waitingFor: pipeline.graph.name)
            removeOne(file, thenStarting: [file] + waiting)
            startOne(file, graph)
            retry(waiting)
            return
        }
        guard let pipeline = existing else {
            startOne(file, graph)
            return
        }
        do {
            let report = try pipeline.reload(to: graph)
            let elapsed = Double(SystemClock.monotonicNanoseconds() - started) / 1e6
            if report.diff.isEmpty {
                count(.unchanged, file: file)
                logger.info("pipeline '\(graph.name)': '\(file)' changed but its stages did not; nothing to do")
            } else {
                count(.applied, file: file, pause: report.pauseMilliseconds)
                let took = NumberText.fixed(elapsed, decimals: 2)
                let paused = NumberText.fixed(report.pauseMilliseconds, decimals: 2)
                let diff = report.diff.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
                let summary = "sources paused \(paused) ms; configuration \(graph.digest)"
                logger.info("pipeline '\(graph.name)' reloaded in \(took) ms (\(summary)):\n\(diff)")
            }
        } catch {
            count(.failed, file: file)
            logger.error(
                "not reloaded; the running version continues: \(error)", metadata: ["pipeline": "\(graph.name)"])
        }
    }

    /// Logs why `file` is not applied, exactly as `runner validate` prints diagnostics, and counts it.
    private func refuse(_ file: String, running: Bool, _ diagnostics: Diagnostics) {
        let outcome = running ? "the running version continues" : "not started"
        logger.warning("'\(file)' has errors; \(outcome):\n\(diagnostics)")
        count(.invalid, file: file)
    }

    /// The file other than `file` whose pipeline is named `name`, if any.
    private func fileRunning(_ name: String, besides file: String) -> String? {
        lock.withLock { state in
            state.byFile.first { $0.key != file && $0.value.pipeline.graph.name == name }?.key
        }
    }

    /// Refuses `file`, whose pipeline `graph` would take the name of `owner`'s: logged with the position
    /// of its `name:`, counted under that name, and remembered so it is tried again once the name is free.
    private func refuseDuplicate(_ file: String, _ graph: StageGraph, owner: String, running: Bool) {
        let outcome = running ? "the running version continues" : "not started"
        logger.warning("'\(file)' is refused; \(outcome):\n\(graph.duplicateNameError(usedBy: owner))")
        lock.withLock { $0.refusedNames[file] = graph.name }
        count(.duplicate, file: owner)
    }

    /// The files refused because `name` was taken.
    private func files(waitingFor name: String) -> [String] {
        lock.withLock { $0.refusedNames.filter { $0.value == name }.keys.sorted() }
    }

    /// Tries again `waiting`, files refused for a name that is now free (the first that still gives it
    /// takes it), which `removeOne` marked as starting.
    private func retry(_ waiting: [String]) {
        for file in waiting {
            reloadOne(file)
            lock.withLock { _ = $0.starting.remove(file) }
        }
    }

    private func startOne(_ file: String, _ graph: StageGraph) {
        do {
            try launch(file, graph)
            logger.info("started pipeline '\(graph.name)' from '\(file)' (configuration \(graph.digest))")
        } catch {
            logger.error("cannot start '\(file)': \(error)")
        }
    }

    /// Starts `graph` as the pipeline of `file`.
    private func launch(_ file: String, _ graph: StageGraph) throws(EngineError) {
        lock.withLock { _ = $0.starting.insert(file) }
        defer { lock.withLock { _ = $0.starting.remove(file) } }
        let pipeline = try engine.start(graph)
        let stopping = lock.withLock { state -> Bool in
            state.byFile[file] = Managed(pipeline: pipeline)
            return state.stopping
        }
        // A stop that came while this pipeline was starting did not see it: stop it now.
        if stopping { pipeline.stop() }
    }

    /// Stops the pipeline of `file`, which was removed (or renamed its pipeline), and lets a file waiting
    /// for its name have it.
    private func removeFile(_ file: String) {
        let name = lock.withLock { state -> String? in
            state.refusedNames.removeValue(forKey: file)
            return state.byFile[file]?.pipeline.graph.name
        }
        let waiting = name.map { files(waitingFor: $0) } ?? []
        removeOne(file, thenStarting: waiting)
        retry(waiting)
    }

    /// Drains and stops the pipeline of `file`. The files in `next` are about to start a pipeline in its
    /// place: they count as starting from the same step, so `waitAll` does not take the moment between
    /// the old pipeline's end and the new one's start for the end of every pipeline.
    private func removeOne(_ file: String, thenStarting next: [String] = []) {
        // Moved to `leaving` in the same step, so `waitAll` never misses the pipeline while it drains;
        // pipelines that left earlier and have finished are let go.
        guard
            let (managed, gone) = lock.withLock({ state -> (Managed, [RunningPipeline])? in
                guard let managed = state.byFile.removeValue(forKey: file) else { return nil }
                state.starting.formUnion(next)
                let gone = state.leaving.filter(\.isFinished)
                state.leaving.removeAll(where: \.isFinished)
                state.leaving.append(managed.pipeline)
                return (managed, gone)
            })
        else { return }
        for pipeline in gone { engine.forget(pipeline) }
        logger.info("'\(file)' was removed; draining and stopping pipeline '\(managed.pipeline.graph.name)'")
        managed.pipeline.stop()
    }

    /// Asks every pipeline to stop (SIGINT/SIGTERM); they drain and flush.
    public func stopAll() {
        let pipelines = lock.withLock { state -> [RunningPipeline] in
            state.stopping = true
            return state.byFile.values.map(\.pipeline)
        }
        for pipeline in pipelines { pipeline.stop() }
    }

    /// Blocks until every pipeline, including ones started while waiting, has finished.
    public func waitAll() {
        while !waitAll(seconds: .infinity) {}
    }

    /// Blocks until every pipeline has finished or `seconds` pass; true when every one has finished.
    public func waitAll(seconds: Double) -> Bool {
        let deadline = SystemClock.monotonicDeadline(afterSeconds: seconds)
        while true {
            for pipeline in pipelines {
                let now = SystemClock.monotonicNanoseconds()
                guard now < deadline, pipeline.wait(seconds: Double(deadline - now) / 1e9) else { return false }
            }
            // A folder may have gained a pipeline meanwhile: done only when every current one has finished.
            guard pipelines.allSatisfy(\.isFinished) else { continue }
            guard lock.withLock({ !$0.starting.isEmpty || !$0.started }) else { return true }
            // A pipeline is still being built (a stage opening its output may block there for good), or
            // `start` has not begun yet (`apply` starts its pipelines once its API listens).
            if SystemClock.monotonicNanoseconds() >= deadline { return false }
            usleep(10_000)
        }
    }

    /// The shutdown limit passed: tells every stage of every pipeline to give up (`RunningPipeline.abandon`).
    public func abandonAll() {
        for pipeline in pipelines { pipeline.abandon() }
    }

    /// What every pipeline has not processed yet, and the files whose pipeline is still being built.
    public func unfinishedWork() -> (work: [UnfinishedWork], startingFiles: [String]) {
        (pipelines.flatMap { $0.unfinishedWork() }, lock.withLock { $0.starting.sorted() })
    }

    /// Every pipeline: running, and stopped because their file went away but still draining.
    private var pipelines: [RunningPipeline] {
        lock.withLock { $0.byFile.values.map(\.pipeline) + $0.leaving }
    }

    /// Reload counts, the running configuration's hash and the last pause, in the Prometheus text format.
    public func prometheusText() -> String {
        PrometheusText.render(metricSamples(), families: Self.families)
    }

    /// The families of `metricSamples`.
    public static let families = [
        MetricFamilies.pipelineUp, MetricFamilies.reloads, MetricFamilies.configInfo, MetricFamilies.reloadPause,
    ]

    /// Per pipeline: whether it is up, reload counts by outcome, the running configuration's hash and
    /// the last reload's pause.
    public func metricSamples() -> [MetricSample] {
        let managed = lock.withLock { Array($0.byFile.values) }.sorted {
            $0.pipeline.graph.name < $1.pipeline.graph.name
        }
        var samples: [MetricSample] = []
        for entry in managed {
            let name = entry.pipeline.graph.name
            let up = !entry.pipeline.isFinished && !entry.pipeline.hasFailed
            samples.append(MetricSample(MetricFamilies.pipelineUp, [name], up ? 1 : 0))
            for outcome in Outcome.allCases {
                samples.append(
                    MetricSample(MetricFamilies.reloads, [name, outcome.rawValue], entry.reloads[outcome] ?? 0))
            }
            samples.append(MetricSample(MetricFamilies.configInfo, [name, entry.pipeline.graph.digest], 1))
            if let pause = entry.lastPauseMilliseconds {
                samples.append(MetricSample(MetricFamilies.reloadPause, [name], pause / 1000))
            }
        }
        return samples
    }

    /// The reload counts of the pipeline named `name`, by outcome.
    public func reloads(of name: String) -> [Outcome: Int] {
        lock.withLock { $0.byFile.values.first { $0.pipeline.graph.name == name }?.reloads ?? [:] }
    }

    /// One line per pipeline with its reload counts, for `--stats`.
    public func reloadSummary() -> String {
        let managed = lock.withLock { Array($0.byFile.values) }
        return managed.filter { !$0.reloads.isEmpty }.map { entry in
            let counts = Outcome.allCases.map { "\($0.rawValue) \(entry.reloads[$0] ?? 0)" }.joined(separator: ", ")
            return
                "pipeline '\(entry.pipeline.graph.name)' reloads: \(counts); configuration \(entry.pipeline.graph.digest)\n"
        }.joined()
    }

    private func count(_ outcome: Outcome, file: String, pause: Double? = nil) {
        lock.withLock { state in
            state.byFile[file]?.reloads[outcome, default: 0] += 1
            if let pause { state.byFile[file]?.lastPauseMilliseconds = pause }
        }
    }
}
