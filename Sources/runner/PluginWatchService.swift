import Logging
import ServiceLifecycle
import SluiceService

/// Reloads plugins while `runner apply` runs: when a file in the plugins folder changes, the plugins are
/// read again and every pipeline file is reloaded against them, so the stages of a changed plugin are
/// drained and replaced (their identity includes the plugin's revision) and the others keep running.
/// An invalid plugin is logged and changes nothing.
final class PluginWatchService: Service, Sendable {
    private let watcher: FileWatcher
    private let catalog: StageCatalog
    private let supervisor: PipelineSupervisor
    private let pipelinesStarted: StartupGate
    private let logger: Logger

    init(
        watcher: FileWatcher, catalog: StageCatalog, supervisor: PipelineSupervisor, pipelinesStarted: StartupGate,
        logger: Logger
    ) {
        self.watcher = watcher
        self.catalog = catalog
        self.supervisor = supervisor
        self.pipelinesStarted = pipelinesStarted
        self.logger = logger
    }

    func run() async throws {
        if await pipelinesStarted.wait(), !supervisor.isStopping {
            watcher.start { [catalog, supervisor, logger] changes in
                let files = (changes.changed + changes.added + changes.removed).joined(separator: ", ")
                logger.info("plugin files changed (\(files)); reloading the plugins")
                if catalog.reload(logger: logger) { supervisor.reloadAll() }
            }
        }
        // Returns only at its own shutdown, like the pipeline files' watcher.
        try? await gracefulShutdown()
        watcher.stop()
    }
}
