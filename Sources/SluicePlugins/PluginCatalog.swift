import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// The plugins found in a plugins folder (`--plugins DIR`, default `plugins/`): one per sub-folder that
/// holds a `plugin.yaml`. A folder that does not exist holds no plugins; a sub-folder without a
/// `plugin.yaml` (a Swift plugin's sources, say) is not a plugin of this kind and is passed over.
public struct PluginCatalog: Sendable {
    /// The plugins whose `plugin.yaml` was valid, in folder-name order.
    public let plugins: [PluginManifest]
    /// Every problem found in the `plugin.yaml` files, with positions.
    public let diagnostics: Diagnostics

    /// A catalog of these plugins.
    public init(plugins: [PluginManifest], diagnostics: Diagnostics = Diagnostics()) {
        self.plugins = plugins
        self.diagnostics = diagnostics
    }

    /// Reads every plugin in `folder`.
    public static func load(folder: String) -> PluginCatalog {
        var plugins: [PluginManifest] = []
        var diagnostics = Diagnostics()
        for child in FolderListing.subfolders(of: folder) {
            var info = stat()
            guard stat(child + "/" + PluginManifest.fileName, &info) == 0 else { continue }
            let (manifest, found) = PluginManifest.read(folder: child)
            diagnostics.append(contentsOf: found)
            if let manifest { plugins.append(manifest) }
        }
        var names: [String: String] = [:]
        for plugin in plugins {
            if let other = names[plugin.name] {
                diagnostics.error(
                    .duplicatePlugin, "plugin name '\(plugin.name)' is also used by \(other)",
                    at: SourceLocation(file: plugin.file, line: 1, column: 1))
            }
            names[plugin.name] = plugin.file
        }
        return PluginCatalog(plugins: plugins, diagnostics: diagnostics)
    }

    /// Registers every stage of every plugin in `registry`; a type name taken by another type of its
    /// kind (a built-in, or another plugin) is a diagnostic at the stage's declaration.
    public func register(into registry: inout StageRegistry) -> Diagnostics {
        var diagnostics = Diagnostics()
        for plugin in plugins {
            for stage in plugin.stages {
                do {
                    try registry.register(PluginStageEntry.make(plugin: plugin, stage: stage))
                } catch {
                    diagnostics.error(
                        .duplicatePlugin, "plugin '\(plugin.name)': \(error)", at: stage.location)
                }
            }
        }
        return diagnostics
    }
}

extension DiagnosticCode {
    /// Two plugins of one name, or a plugin stage type whose name and kind are taken.
    public static let duplicatePlugin: DiagnosticCode = "duplicate-plugin"
}
