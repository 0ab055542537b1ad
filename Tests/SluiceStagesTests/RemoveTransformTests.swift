import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct RemoveTransformTests {
    @Test func removesTopLevelAndNestedFields() throws {
        let (config, diagnostics) = loadConfig(RemoveTransform.self, yaml: "type: remove\nfields: [debug, user.secret]")
        #expect(diagnostics.isEmpty)
        #expect(config?.isStateless == true)
        let events = [
            Event(["id": 1, "debug": true, "user": .object(Event(["name": "Ada", "secret": "x"]))]),
            Event(["id": 2]),
            Event(["id": 3, "user": "not an object"]),
        ]
        let run = try ProcessorHarness(try #require(config)).run(events)
        #expect(
            run.events() == [
                Event(["id": 1, "user": .object(Event(["name": "Ada"]))]),
                Event(["id": 2]),
                Event(["id": 3, "user": "not an object"]),
            ])
    }

    @Test func acceptsASingleFieldName() {
        let (config, diagnostics) = loadConfig(RemoveTransform.self, yaml: "fields: debug")
        #expect(diagnostics.isEmpty)
        #expect(config?.fields == [FieldPath("debug")!])
    }

    @Test func requiresFields() {
        let (config, diagnostics) = loadConfig(RemoveTransform.self, yaml: "type: remove\nfeilds: [a]\n")
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:1: error: stage 'id': missing required option 'fields' [missing-field]",
                "test.yaml:2:1: error: stage 'id': unknown option 'feilds'; did you mean 'fields'? [unknown-field]",
            ])
    }

    @Test func rejectsAnEmptyList() {
        let (config, diagnostics) = loadConfig(RemoveTransform.self, yaml: "fields: []")
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:9: error: stage 'id': option 'fields' must name at least one field [invalid-value]"
            ])
    }

    @Test func exampleDecodesAndDocumentsEveryOption() throws {
        let example = try #require(loadExample(RemoveTransform.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config != nil)
        #expect(Set(example.askedKeys) == Set(RemoveTransform.options.map(\.name)))
    }
}
