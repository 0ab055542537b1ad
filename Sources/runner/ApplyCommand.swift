import ArgumentParser
import Logging
import ServiceLifecycle
import SluiceAPI
import SluiceCore
import SluiceEngine
import SluiceGraph
import SluiceService

/// `runner apply`: runs pipelines, reloading each file when it changes, until their sources finish or
/// until SIGINT/SIGTERM, with the HTTP API beside them.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run pipeline files (a folder runs each *.yaml as its own pipeline); reload them when they change.",
        discussion: """
            Exits 0 once every source has finished and everything in flight reached its sinks. On SIGINT or \
            SIGTERM it stops the sources, drains the queues, flushes open windows and sinks, and exits 0; \
            a second signal exits at once. A changed file (or SIGHUP) is reloaded into its running pipeline: \
            unchanged stages keep running with their state; an invalid file leaves the running version alone. \
            While it runs, its HTTP API (--api) serves /metrics, /health, /ready, /api/pipelines and a \
            dashboard at /.

            Exit status: 0 every pipeline ran and delivered everything; 1 an invalid pipeline file, or a \
            pipeline that could not start; 2 bad command-line usage, or an --api address that cannot be \
            listened on (in use, say); 3 the pipelines ran but a stage failed for good (a source that could \
            not read, a sink that gave up), or the drain after a signal outlasted --shutdown-timeout (what \
            was not delivered is listed); 130 a second SIGINT or SIGTERM.
            """)

    @Argument(help: "Pipeline files or folders of *.yaml files.")
    var paths: [String]

    /// The most worker threads `--workers` may ask for; far more than cores help nothing, and enough more
    /// exhaust the threads the system allows.
    static let maximumWorkers = 1_024

    @Option(help: "Worker threads, at most 1024 (default: the number of cores).")
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

    @Option(help: "Where the HTTP API listens, HOST:PORT (port 0: any free port, logged at start).")
    var api: String = APIAddress.standard.description

    @Flag(name: .customLong("no-api"), help: "Do not start the HTTP API.")
    var noAPI = false

    @Option(
        help: "The least important log messages printed: trace, debug, info, notice, warning, error, critical.",
        transform: parseLogLevel)
    var logLevel: Logger.Level = .info

    @Option(help: "How log lines look on standard error: text, or json (one object per line).")
    var logFormat: LogFormat = .text

    @Flag(help: "Check the files and print what would start, without running anything.")
    var dryRun = false

    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        guard (1...Self.maximumWorkers).contains(workers) else {
            throw ValidationError("--workers must be between 1 and \(Self.maximumWorkers)")
        }
        guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard ConfigDuration(parsing: watchDebounce) != nil else {
            throw ValidationError("--watch-debounce must be a duration such as 100ms")
        }
        guard ConfigDuration(parsing: shutdownTimeout) != nil else {
            throw ValidationError("--shutdown-timeout must be a duration such as 30s")
        }
        guard APIAddress(parsing: api) != nil else {
            throw ValidationError("--api must be HOST:PORT, such as 127.0.0.1:8686, not '\(api)'")
        }
    }

    func run() async throws {
        RunnerLogHandler.bootstrap(format: logFormat, level: logLevel)
        let logger = Logger(label: "runner")
        // The watchers record the files before they are read, so an edit made while they load is seen.
        let watches = watch && !dryRun
        let watcher = watches ? makeWatcher(targets: pipelineTargets) : nil
        let pluginWatcher = watches ? makeWatcher(targets: [.tree(plugins.plugins)]) : nil
        let catalog = try plugins.catalog()
        let files = PipelineFiles(catalog: catalog)
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
        let signals = ProcessSignals()
        let engine = Engine(
            options: EngineOptions(workers: workers, queueCapacity: queueCapacity, batchSize: batchSize))
        let supervisor = PipelineSupervisor(engine: engine, compile: { files.compile($0) }, logger: logger)
        let finalReport: @Sendable () -> Void = { [stats, statsFormat] in
            Self.report(engine: engine, supervisor: supervisor, stats: stats ? statsFormat : nil, logger: logger)
        }
        let limit = ShutdownLimit(
            limit: ConfigDuration(parsing: shutdownTimeout)!, supervisor: supervisor, logger: logger,
            finalReport: finalReport)
        let apiService =
            noAPI
            ? nil
            : APIService(
                address: APIAddress(parsing: api)!, monitor: RunnerMonitor(engine: engine, supervisor: supervisor),
                logger: logger)
        let pipelines = PipelinesService(
            supervisor: supervisor, graphs: Array(zip(expanded, graphs)).map { (file: $0.0, graph: $0.1) },
            after: apiService?.listening)
        let group = ServiceGroup(
            configuration: .init(
                services: Self.services(
                    api: apiService, pipelines: pipelines, supervisor: supervisor, watcher: watcher,
                    removesStop: paths.contains(where: PipelineFiles.isFolder),
                    pluginWatch: pluginWatcher.map {
                        PluginWatchService(
                            watcher: $0, catalog: catalog, supervisor: supervisor, pipelinesStarted: pipelines.started,
                            logger: logger)
                    }),
                logger: logger))
        // Signals are handled before the pipelines start: building a stage can block (a file sink opening
        // a FIFO), and a stop must still be heard and bounded then.
        signals.handle(
            logger: logger,
            stop: { name in
                logger.notice("received \(name); stopping sources and draining")
                limit.start()
                Task { await group.triggerGracefulShutdown() }
            },
            reload: {
                logger.notice("received SIGHUP; reloading every pipeline file")
                supervisor.reloadAll()
            })
        do {
            try await group.run()
        } catch {
            // Exits after the services that did start have stopped (the group waits for them).
            if let failure = apiService?.failure {
                logger.error("\(failure)")
                throw RunnerExit.usage
            }
            logger.error("\(pipelines.startFailure.map { "\($0)" } ?? "\(error)")")
            throw RunnerExit.invalidPipeline
        }
        // Past the shutdown limit the limit's thread reports and exits; this task must not race it.
        guard limit.claimNormalExit() else {
            while true { try? await Task.sleep(for: .seconds(60)) }
        }
        engine.shutdown()
        finalReport()
        if !engine.failures.isEmpty { throw RunnerExit.stageFailed }
    }

    /// The services of one `apply`, in start order; a ServiceGroup shuts them down in reverse order, so
    /// the pipelines drain first (the watcher stops reloading meanwhile: the supervisor is stopping),
    /// then the watcher stops, and the API, which answers `/ready` with 503 while they drain, goes last.
    private static func services(
        api: APIService?, pipelines: PipelinesService, supervisor: PipelineSupervisor, watcher: FileWatcher?,
        removesStop: Bool, pluginWatch: PluginWatchService?
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let api {
            services.append(
                .init(
                    service: api, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let watcher {
            let service = WatcherService(
                watcher: watcher, supervisor: supervisor, pipelinesStarted: pipelines.started, removesStop: removesStop)
            services.append(
                .init(
                    service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let pluginWatch {
            services.append(
                .init(
                    service: pluginWatch, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        // The pipelines finishing on their own (finite sources) ends the run: the API must not keep it.
        services.append(
            .init(
                service: pipelines, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup))
        return services
    }

    /// What `apply` prints at exit: the counters with `--stats`, then every stage that failed for good.
    private static func report(engine: Engine, supervisor: PipelineSupervisor, stats: StatsFormat?, logger: Logger) {
        switch stats {
        case .table?: StandardError.write(StatsTable.render(engine.snapshot()) + supervisor.reloadSummary())
        case .prometheus?: StandardError.write(PrometheusText.render(engine.snapshot()) + supervisor.prometheusText())
        case nil: break
        }
        let failures = engine.failures
        guard !failures.isEmpty else { return }
        let list = failures.map { "  \($0)" }.joined(separator: "\n")
        logger.notice(
            "\(failures.count) stage\(failures.count == 1 ? "" : "s") failed for good; exit status 3:\n\(list)")
    }

    /// The pipeline files and folders named on the command line, as the watcher follows them.
    private var pipelineTargets: [FileWatcher.Target] {
        paths.map { PipelineFiles.isFolder($0) ? .folder($0) : .file($0) }
    }

    /// A watcher of `targets` with `--watch-debounce` (checked by `validate`).
    private func makeWatcher(targets: [FileWatcher.Target]) -> FileWatcher {
        FileWatcher(targets: targets, debounce: ConfigDuration(parsing: watchDebounce)!)
    }
}

/// How `runner apply --stats` prints the counters.
enum StatsFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case prometheus
}

extension LogFormat: ExpressibleByArgument {}

/// Reads `--log-level`: one of swift-log's level names.
func parseLogLevel(_ text: String) throws -> Logger.Level {
    guard let level = Logger.Level(rawValue: text) else {
        let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        throw ValidationError("'\(text)' is not a log level: use one of \(names)")
    }
    return level
}
