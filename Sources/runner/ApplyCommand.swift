import ArgumentParser
import SluiceCore
import SluiceEngine
import SluiceGraph
import SluiceService

#if canImport(Glibc)
    import Glibc
#endif

/// `runner apply`: runs pipelines, reloading each file when it changes, until their sources finish or
/// until SIGINT/SIGTERM.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run pipeline files (a folder runs each *.yaml as its own pipeline); reload them when they change.",
        discussion: """
            Exits 0 once every source has finished and everything in flight reached its sinks. On SIGINT or \
            SIGTERM it stops the sources, drains the queues, flushes open windows and sinks, and exits 0; \
            a second signal exits at once. A changed file (or SIGHUP) is reloaded into its running pipeline: \
            unchanged stages keep running with their state; an invalid file leaves the running version alone.

            Exit status: 0 every pipeline ran and delivered everything; 1 an invalid pipeline file, or a \
            pipeline that could not start; 2 bad command-line usage; 3 the pipelines ran but a stage failed \
            for good (a source that could not read, a sink that gave up), or the drain after a signal \
            outlasted --shutdown-timeout (what was not delivered is listed); 130 a second SIGINT or SIGTERM.
            """)

    @Argument(help: "Pipeline files or folders of *.yaml files.")
    var paths: [String]

    @Option(help: "Worker threads (default: the number of cores).")
    var workers: Int = SystemInfo.coreCount

    @Option(help: "Events each stage's input queue holds before its producers wait.")
    var queueCapacity: Int = 16_384

    @Option(help: "Events a source puts in one batch.")
    var batchSize: Int = 1_024

    @Flag(help: "Print every stage's counters on standard error at exit.")
    var stats = false

    @Option(help: "The format of --stats: table, or prometheus (the text exposition format).")
    var statsFormat: StatsFormat = .table

    @Flag(inversion: .prefixedNo, help: "Reload pipeline files when they change.")
    var watch = true

    @Option(help: "How long a file must be quiet after a change before it is reloaded, e.g. 100ms.")
    var watchDebounce: String = "100ms"

    @Option(
        help: """
            After SIGINT or SIGTERM, how long to drain before telling stages to give up, e.g. 30s. After a \
            further 2s grace the runner lists what was not delivered and exits 3.
            """)
    var shutdownTimeout: String = "30s"

    @Flag(help: "Check the files and print what would start, without running anything.")
    var dryRun = false

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard ConfigDuration(parsing: watchDebounce) != nil else {
            throw ValidationError("--watch-debounce must be a duration such as 100ms")
        }
        guard ConfigDuration(parsing: shutdownTimeout) != nil else {
            throw ValidationError("--shutdown-timeout must be a duration such as 30s")
        }
    }

    func run() throws {
        let files = PipelineFiles()
        // The watcher records the files before they are read, so an edit made while they load is seen.
        let watcher = watch && !dryRun ? makeWatcher() : nil
        let expanded = try files.expand(paths)
        guard let graphs = files.compileAll(expanded) else { throw RunnerExit.invalidPipeline }
        if dryRun {
            for graph in graphs {
                print("pipeline '\(graph.name)' (\(graph.file)) would start:")
                let plan = ExecutionPlan(graph, queueCapacity: queueCapacity)
                print(PlanDiff(from: ExecutionPlan(.empty(like: graph)), to: plan).description, terminator: "")
            }
            return
        }
        // Block the signals before any thread starts so only the signal thread receives them.
        let signals = ProcessSignals()
        let engine = Engine(
            options: EngineOptions(workers: workers, queueCapacity: queueCapacity, batchSize: batchSize))
        let supervisor = PipelineSupervisor(
            engine: engine, compile: { files.compile($0) }, log: { StandardError.write($0 + "\n") })
        let finalReport: @Sendable () -> Void = { [stats, statsFormat] in
            Self.report(engine: engine, supervisor: supervisor, stats: stats ? statsFormat : nil)
        }
        let limit = ShutdownLimit(
            limit: ConfigDuration(parsing: shutdownTimeout)!, supervisor: supervisor, finalReport: finalReport)
        // Signals are handled before the pipelines start: building a stage can block (a file sink opening
        // a FIFO), and a stop must still be heard and bounded then.
        signals.handle(
            stop: { name in
                StandardError.write("runner: received \(name); stopping sources and draining\n")
                watcher?.stop()
                supervisor.stopAll()
                limit.start()
            },
            reload: {
                StandardError.write("runner: received SIGHUP; reloading every pipeline file\n")
                supervisor.reloadAll()
            })
        do {
            try supervisor.start(Array(zip(expanded, graphs)).map { (file: $0.0, graph: $0.1) })
        } catch {
            StandardError.write("error: \(error)\n")
            supervisor.waitAll()
            throw RunnerExit.invalidPipeline
        }
        let folderMode = paths.contains(where: PipelineFiles.isFolder)
        watcher?.start { changes in supervisor.apply(changes, removesStop: folderMode) }
        supervisor.waitAll()
        // Past the shutdown limit the limit's thread reports and exits; this thread must not race it.
        guard limit.claimNormalExit() else {
            while true { sleep(60) }
        }
        watcher?.stop()
        engine.shutdown()
        finalReport()
        if !engine.failures.isEmpty { throw RunnerExit.stageFailed }
    }

    /// What `apply` prints at exit: the counters with `--stats`, then every stage that failed for good.
    private static func report(engine: Engine, supervisor: PipelineSupervisor, stats: StatsFormat?) {
        switch stats {
        case .table?: StandardError.write(StatsTable.render(engine.snapshot()) + supervisor.reloadSummary())
        case .prometheus?: StandardError.write(PrometheusText.render(engine.snapshot()) + supervisor.prometheusText())
        case nil: break
        }
        let failures = engine.failures
        guard !failures.isEmpty else { return }
        StandardError.write(
            "runner: \(failures.count) stage\(failures.count == 1 ? "" : "s") failed for good; exit status 3:\n"
                + failures.map { "  \($0)\n" }.joined())
    }

    private func makeWatcher() -> FileWatcher {
        let targets = paths.map { path -> FileWatcher.Target in
            PipelineFiles.isFolder(path) ? .folder(path) : .file(path)
        }
        return FileWatcher(targets: targets, debounce: ConfigDuration(parsing: watchDebounce)!)
    }
}

/// How `runner apply --stats` prints the counters.
enum StatsFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case prometheus
}
