import ArgumentParser
import SluiceCore
import SluiceEngine
import SluiceGraph

/// `runner apply`: runs pipelines until their sources finish, or until SIGINT/SIGTERM.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run pipeline files (a folder runs each *.yaml as its own pipeline).",
        discussion: """
            Exits 0 once every source has finished and everything in flight reached its sinks. On SIGINT or \
            SIGTERM it stops the sources, drains the queues, flushes open windows and sinks, and exits 0; \
            a second signal exits at once.
            """)

    @Argument(help: "Pipeline files or folders of *.yaml files.")
    var paths: [String]

    @Option(help: "Worker threads (default: the number of cores).")
    var workers: Int = SystemInfo.coreCount

    @Option(help: "Events each stage's input queue holds before its producers wait.")
    var queueCapacity: Int = 16_384

    @Option(help: "Events a source puts in one batch.")
    var batchSize: Int = 1_024

    @Flag(help: "Print every stage's counters as a table on standard error at exit.")
    var stats = false

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let files = PipelineFiles()
        guard let graphs = files.compileAll(try files.expand(paths)) else { throw RunnerExit.invalidPipeline }
        // Block the signals before any thread starts so only the watcher thread receives them.
        let signals = ShutdownSignals()
        let engine = Engine(
            options: EngineOptions(workers: workers, queueCapacity: queueCapacity, batchSize: batchSize))
        var pipelines: [RunningPipeline] = []
        do {
            for graph in graphs { pipelines.append(try engine.start(graph)) }
        } catch {
            StandardError.write("error: \(error)\n")
            for pipeline in pipelines { pipeline.stop() }
            for pipeline in pipelines { pipeline.wait() }
            throw RunnerExit.invalidPipeline
        }
        let running = pipelines
        signals.onFirstSignal { name in
            StandardError.write("runner: received \(name); stopping sources and draining\n")
            for pipeline in running { pipeline.stop() }
        }
        for pipeline in pipelines { pipeline.wait() }
        engine.shutdown()
        if stats { StandardError.write(StatsTable.render(engine.snapshot())) }
    }
}
