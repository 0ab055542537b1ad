import SluiceCore
import SluiceStages
import SluiceSwiftPlugins
import SluiceTesting
import Testing
import UnitsPlugin

/// A Swift plugin compiled into the runner registers its stages beside the built-in ones and is tested
/// with `SluiceTesting` like any stage.
@Suite struct SwiftPluginTests {
    @Test func theSwiftPluginsRegisterBesideTheBuiltInStages() throws {
        var registry = BuiltinStages.registry
        try SwiftPlugins.register(into: &registry)
        #expect(registry.entry(named: "convert_units", kind: .transform) != nil)
        #expect(SwiftPlugins.all.map { $0.name } == ["units"])
    }

    @Test func convertsAFieldIntoAnotherUnit() throws {
        let (config, diagnostics) = loadConfig(
            ConvertUnitsTransform.self, yaml: "field: t\nfrom: celsius\nto: fahrenheit\ninto: f")
        #expect(diagnostics.isEmpty)
        let run = try ProcessorHarness(try #require(config)).run([
            Event(["t": 100]), Event(["t": "hot"]), Event(["other": 1]),
        ])
        #expect(run.events() == [Event(["t": 100, "f": 212.0]), Event(["t": "hot"]), Event(["other": 1])])
    }

    @Test func unitsOfDifferentQuantitiesAreADiagnostic() {
        let (config, diagnostics) = loadConfig(ConvertUnitsTransform.self, yaml: "field: t\nfrom: celsius\nto: miles")
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:3:5: error: stage 'id': cannot convert temperature (celsius) into length (miles) [invalid-value]"
            ])
    }

    @Test func theExampleReadsEveryDocumentedOption() throws {
        let example = try #require(loadExample(ConvertUnitsTransform.self))
        #expect(example.diagnostics.isEmpty && example.config != nil)
        #expect(example.askedKeys == ConvertUnitsTransform.options.map(\.name))
    }
}
