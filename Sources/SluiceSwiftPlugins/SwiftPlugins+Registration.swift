import SluiceCore

// `SwiftPlugins.all` is generated beside this file by the SwiftPluginList build tool from Package.swift's
// `swiftPlugins` list.
extension SwiftPlugins {
    /// Registers the stages of every Swift plugin; a type name a plugin takes twice in a kind is refused.
    public static func register(into registry: inout StageRegistry) throws(StageRegistryError) {
        for plugin in all { try plugin.register(into: &registry) }
    }
}
