/// A plugin written in Swift and compiled into `runner`: a package target under `plugins/<name>/` that
/// depends on `SluiceCore` alone and registers its stages through the same API as the built-in stages.
///
/// `plugins/SwiftPlugins/SwiftPlugins.swift` lists the plugins `runner` is built with (docs/plugins.md).
public protocol SwiftPlugin {
    /// The plugin's name, shown in logs.
    static var name: String { get }
    /// Registers the plugin's stage types; a name taken by another type of its kind is refused.
    static func register(into registry: inout StageRegistry) throws(StageRegistryError)
}
