import SluiceCore
import SluicePlugins
import SluiceStages
import Testing

/// Reading `plugin.yaml`: what a valid one gives the registry, and a positioned diagnostic for each kind
/// of mistake in a broken one.
@Suite struct PluginManifestTests {
    static let valid = """
        name: shout
        version: 2.1.0
        command: [python3, shout.py]
        timeout: 3s
        stages:
          shout:
            kind: transform
            summary: Upper-cases a field.
            options:
              field: { type: field, doc: The field to upper-case. }
              times: { type: int, default: 1, doc: How often. }
        """

    @Test func readsAValidPluginWithItsStagesAndLimits() throws {
        let folder = try PluginFolder()
        try folder.write(Self.valid, to: "plugin.yaml", in: "shout")
        let catalog = PluginCatalog.load(folder: folder.path)
        #expect(catalog.diagnostics.isEmpty)
        let plugin = try #require(catalog.plugins.first)
        #expect(plugin.name == "shout" && plugin.version == "2.1.0")
        #expect(plugin.runtime == .process(command: ["python3", "shout.py"]))
        #expect(plugin.limits.timeout == ConfigDuration(milliseconds: 3_000))
        #expect(plugin.stages.map(\.typeName) == ["shout"])
        #expect(plugin.stages[0].options.map(\.name) == ["field", "times"])
    }

    @Test func aPluginStageIsListedWithItsOptionsAndTheSupervisionOptions() throws {
        let folder = try PluginFolder()
        try folder.write(Self.valid, to: "plugin.yaml", in: "shout")
        var registry = BuiltinStages.registry
        #expect(PluginCatalog.load(folder: folder.path).register(into: &registry).isEmpty)
        let entry = try #require(registry.entry(named: "shout", kind: .transform))
        #expect(entry.options.map(\.name) == ["field", "times", "timeout", "retries", "dead_letter"])
        #expect(entry.options[1].defaultValue == "1")
        #expect(entry.options[2].defaultValue == "3s")
        #expect(entry.summary.contains("plugin 'shout' 2.1.0"))
    }

    @Test func aFolderThatDoesNotExistHoldsNoPlugins() {
        let catalog = PluginCatalog.load(folder: "/nonexistent-\(UInt64.random(in: 0...UInt64.max))")
        #expect(catalog.plugins.isEmpty && catalog.diagnostics.isEmpty)
    }

    @Test func aFolderWithoutPluginYAMLIsPassedOver() throws {
        let folder = try PluginFolder()
        try folder.write("// a Swift plugin's sources", to: "Plugin.swift", in: "SwiftThing")
        let catalog = PluginCatalog.load(folder: folder.path)
        #expect(catalog.plugins.isEmpty && catalog.diagnostics.isEmpty)
    }

    /// Each broken `plugin.yaml`, and the one diagnostic line it must produce.
    @Test(arguments: [
        (
            Self.valid.replacingOccurrences(of: "command:", with: "comand:"),
            ":3:1: error: unknown option 'comand'; did you mean 'command'? [unknown-field]"
        ),
        (
            Self.valid.replacingOccurrences(of: "type: int", with: "type: integer"),
            ":11:22: error: stage 'shout': option 'type' must be one of string, int, float, bool, duration, size, "
                + "path, field, [string], [field]; found 'integer' [invalid-value]"
        ),
        (
            Self.valid.replacingOccurrences(of: "default: 1", with: "default: lots"),
            ":11:36: error: stage 'shout': option 'times' must be an integer, found 'lots' [wrong-type]"
        ),
        (
            Self.valid.replacingOccurrences(of: "kind: transform", with: "kind: transfrom"),
            ":7:11: error: stage 'shout': option 'kind' must be one of source, transform, sink; found 'transfrom'; "
                + "did you mean 'transform'? [invalid-value]"
        ),
        (
            Self.valid.replacingOccurrences(of: "timeout: 3s", with: "timeout: soon"),
            ":4:10: error: option 'timeout': invalid duration 'soon' (use e.g. 500ms, 10s, 5m, 1h) [invalid-value]"
        ),
        (
            Self.valid.replacingOccurrences(of: "field: {", with: "retries: {"),
            ":10:7: error: stage 'shout': option name 'retries' is reserved for the runner [invalid-value]"
        ),
        (
            Self.valid.replacingOccurrences(of: "version: 2.1.0\n", with: ""),
            ":1:1: error: missing required option 'version' [missing-field]"
        ),
        (Self.valid + "\n  - broken", ":12:3: error:"),
    ])
    func aBrokenPluginYAMLIsADiagnosticWithItsPosition(text: String, expected: String) throws {
        let folder = try PluginFolder()
        try folder.write(text, to: "plugin.yaml", in: "shout")
        let catalog = PluginCatalog.load(folder: folder.path)
        #expect(catalog.plugins.isEmpty)
        let lines = catalog.diagnostics.all.map(\.description)
        #expect(lines.contains { $0.hasPrefix(folder.path + "/shout/plugin.yaml" + expected) }, "\(lines)")
    }

    @Test func aStageTypeTakenByABuiltInIsADiagnosticAtItsDeclaration() throws {
        let folder = try PluginFolder()
        try folder.write(Self.valid.replacingOccurrences(of: "  shout:", with: "  filter:"), to: "plugin.yaml", in: "p")
        var registry = BuiltinStages.registry
        let diagnostics = PluginCatalog.load(folder: folder.path).register(into: &registry)
        #expect(
            diagnostics.all.map(\.description) == [
                "\(folder.path)/p/plugin.yaml:6:3: error: plugin 'shout': a transform type named 'filter' is "
                    + "registered already [duplicate-plugin]"
            ])
    }

    @Test func twoPluginsOfOneNameAreADiagnostic() throws {
        let folder = try PluginFolder()
        try folder.write(Self.valid, to: "plugin.yaml", in: "a")
        try folder.write(Self.valid.replacingOccurrences(of: "  shout:", with: "  other:"), to: "plugin.yaml", in: "b")
        let diagnostics = PluginCatalog.load(folder: folder.path).diagnostics
        #expect(diagnostics.all.map(\.code) == [.duplicatePlugin])
    }
}
