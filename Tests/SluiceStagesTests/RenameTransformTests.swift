import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct RenameTransformTests {
    private func rename(_ event: Event, _ mapping: String) throws -> Event? {
        let (config, diagnostics) = loadConfig(RenameTransform.self, yaml: "type: rename\nfields:\n" + mapping)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try ProcessorHarness(try #require(config)).run([event]).events().first
    }

    @Test func decodesMappingInOrder() {
        let (config, diagnostics) = loadConfig(
            RenameTransform.self,
            yaml: """
                type: rename
                fields:
                  cat: category
                  user.id: uid
                """)
        #expect(diagnostics.isEmpty)
        #expect(
            config?.renamings == [
                .init(from: FieldPath("cat")!, to: FieldPath("category")!),
                .init(from: FieldPath("user.id")!, to: FieldPath("uid")!),
            ])
        #expect(config?.isStateless == true)
    }

    @Test func renamesInPlaceKeepingFieldOrder() throws {
        let event = Event(["a": 1, "cat": "books", "z": true])
        #expect(try rename(event, "  cat: category") == Event(["a": 1, "category": "books", "z": true]))
    }

    @Test func skipsMissingSourceField() throws {
        let event = Event(["a": 1])
        #expect(try rename(event, "  missing: other\n  x.y: z") == event)
    }

    @Test func replacesAnExistingTargetField() throws {
        let event = Event(["category": "old", "cat": "new", "n": 1])
        #expect(try rename(event, "  cat: category") == Event(["category": "new", "n": 1]))
    }

    @Test func movesValuesBetweenNestedPaths() throws {
        let event = Event(["user": .object(Event(["id": 7, "name": "Ada"])), "ts": 5])
        let renamed = try rename(event, "  user.id: uid\n  ts: meta.time")
        #expect(
            renamed == Event(["user": .object(Event(["name": "Ada"])), "uid": 7, "meta": .object(Event(["time": 5]))]))
    }

    @Test func appliesRenamingsInTheOrderWritten() throws {
        #expect(try rename(Event(["a": 1]), "  a: b\n  b: c") == Event(["c": 1]))
    }

    @Test func requiresAMappingOfFieldNames() {
        let missing = loadConfig(RenameTransform.self, yaml: "type: rename\n")
        #expect(
            missing.1.lines == ["test.yaml:1:1: error: stage 'id': missing required option 'fields' [missing-field]"])
        let list = loadConfig(RenameTransform.self, yaml: "type: rename\nfields: [a, b]\n")
        #expect(
            list.1.lines == [
                "test.yaml:2:9: error: stage 'id': option 'fields' must be a non-empty mapping of old name to new name "
                    + "[wrong-type]"
            ])
    }

    @Test func reportsBadPathsAndSelfRenames() {
        let (config, diagnostics) = loadConfig(
            RenameTransform.self,
            yaml: """
                fields:
                  "a..b": c
                  d: [e]
                  f: f
                feilds: x
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:2:3: error: stage 'id': 'a..b' is not a field name or dotted path [invalid-value]",
                "test.yaml:3:6: error: stage 'id': 'fields.d' must be a field name or dotted path, found a list "
                    + "[invalid-value]",
                "test.yaml:4:6: error: stage 'id': 'f' is renamed to itself [invalid-value]",
                "test.yaml:5:1: error: stage 'id': unknown option 'feilds'; did you mean 'fields'? [unknown-field]",
            ])
    }

    @Test func exampleDecodesAndDocumentsEveryOption() throws {
        let example = try #require(loadExample(RenameTransform.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config != nil)
        #expect(Set(example.askedKeys) == Set(RenameTransform.options.map(\.name)))
    }
}
