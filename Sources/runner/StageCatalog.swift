import ArgumentParser
import Logging
import SluiceCore
import SluicePlugins
import SluiceStages
import SluiceSwiftPlugins
import Synchronization

/// `--plugins DIR`, taken by every command that loads pipelines or lists stages.
struct PluginOptions: ParsableArguments {
    @Option(
        help: """
            The plugins folder: each sub-folder with a plugin.yaml is a plugin whose stages can be used like \
            built-in ones (docs/plugins.md). A folder that does not exist holds no plugins.
            """)
    var plugins: String = "plugins"

    /// The registry of this run, or exit 1 after printing the problems of the plugins folder.
    func catalog() throws -> StageCatalog {
        guard let catalog = StageCatalog(folder: plugins, report: { StandardError.write($0.description + "\n") })
        else { throw RunnerExit.invalidPipeline }
        return catalog
    }
}

/// The stage types of one run: the built-in stages, the Swift plugins compiled in, and the plugins of the
/// plugins folder, read again when the plugins' files change (`reload`).
final class StageCatalog: Sendable {
    let folder: String
    private let current: Mutex<StageRegistry>

    /// Reads the plugins of `folder`; `nil` after passing every problem to `report` when one is invalid.
    init?(folder: String, report: (Diagnostics) -> Void) {
        self.folder = folder
        switch Self.build(folder: folder) {
        case .success(let registry): current = Mutex(registry)
        case .failure(let diagnostics):
            report(diagnostics)
            return nil
        }
    }

    /// The registry as it is now.
    var registry: StageRegistry { current.withLock { $0 } }

    /// Reads the plugins again; true when they were valid and the registry was replaced. An invalid
    /// plugin is logged and the registry stays as it was, as an invalid pipeline file leaves its
    /// pipeline running.
    func reload(logger: Logger) -> Bool {
        switch Self.build(folder: folder) {
        case .success(let registry):
            current.withLock { $0 = registry }
            return true
        case .failure(let diagnostics):
            logger.warning("the plugins in '\(folder)' have errors; the running versions continue:\n\(diagnostics)")
            return false
        }
    }

    private static func build(folder: String) -> Result<StageRegistry, Diagnostics> {
        let catalog = PluginCatalog.load(folder: folder)
        var registry = BuiltinStages.registry
        var diagnostics = catalog.diagnostics
        do {
            try SwiftPlugins.register(into: &registry)
        } catch {
            diagnostics.error(.duplicatePlugin, "a Swift plugin: \(error)", at: nil)
        }
        diagnostics.append(contentsOf: catalog.register(into: &registry))
        return diagnostics.hasErrors ? .failure(diagnostics) : .success(registry)
    }
}
