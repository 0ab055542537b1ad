import Foundation

/// A plugins folder made for one test: plugin folders with their `plugin.yaml` and files.
struct PluginFolder {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `plugin/name`, creating the plugin's folder.
    func write(_ text: String, to name: String, in plugin: String) throws {
        let folder = url.appendingPathComponent(plugin)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}
