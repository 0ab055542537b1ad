import Foundation
import SluiceConfig
import SluiceCore
import SluiceGraph
import SluiceStages
import Testing

/// The registry's promises: every built-in stage carries a valid example, and docs/stages.md is the
/// registry's own reference.
@Suite struct BuiltinStagesTests {
    let registry = BuiltinStages.registry

    @Test func builtInStagesRegisterWithoutClashing() throws {
        var registry = StageRegistry()
        try BuiltinStages.register(into: &registry)
        #expect(registry.all.count == BuiltinStages.all.count)
    }

    @Test func registeringTheBuiltInsTwiceIsRefusedForTheFirstOne() throws {
        var registry = BuiltinStages.registry
        #expect(throws: StageRegistryError.duplicate(typeName: "file", kind: .source)) {
            try BuiltinStages.register(into: &registry)
        }
    }

    @Test func everyStageExampleCompiles() {
        // Every built-in type is in the registry, none replaced another under the same name.
        #expect(registry.all.count == BuiltinStages.all.count)
        #expect(registry.all.count > 10)
        for entry in registry.all {
            let result = PipelineLoader(environment: [:]).load(text: entry.example, file: "\(entry.typeName).yaml")
                .flatMap { GraphCompiler(registry: registry).compile($0) }
            if case .failure(let diagnostics) = result {
                Issue.record("example of \(entry.kind.rawValue) '\(entry.typeName)' does not compile:\n\(diagnostics)")
            }
        }
    }

    @Test func everyStageExampleUsesItsOwnType() throws {
        for entry in registry.all {
            let definition = try PipelineLoader(environment: [:]).load(text: entry.example, file: "x.yaml").get()
            #expect(
                definition.stages.contains { $0.typeName == entry.typeName && $0.kind == entry.kind },
                "example of '\(entry.typeName)' does not use it")
        }
    }

    @Test func stageReferenceDocumentMatchesTheRegistry() throws {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        let document = try String(contentsOf: url.appendingPathComponent("docs/stages.md"), encoding: .utf8)
        #expect(
            document == StageReference.markdown(registry),
            "docs/stages.md is out of date: regenerate it with `runner stages --markdown > docs/stages.md`")
    }
}
