import SluiceCore
import SluiceGraph
import SluiceStages
import SluiceTesting
import Testing

/// A bare word as a whole `generate` or `enrich` value reads a field; when no event reaching the stage can
/// have that field, the compiler warns (the string was probably meant) and the pipeline still compiles.
@Suite struct FieldFlowWarningTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    func warnings(_ yaml: String) throws -> [String] {
        try harness.compile(yaml, file: "p.yaml").get().warnings.sorted.map(\.description)
    }

    @Test func aBareWordNoEventHasSuggestsTheString() throws {
        let found = try warnings(
            """
            sources:
              clicks: { type: generate, count: 1, fields: { id: sequence(), value: 5 } }
            transforms:
              kept:
                type: filter
                inputs: [clicks]
                condition: value > 1
              stamp:
                type: enrich
                inputs: [kept]
                fields:
                  label: hello
                  copy: value
                  explicit: "`hello`"
            sinks:
              out: { type: blackhole, inputs: [stamp] }
            """)
        #expect(
            found == [
                "p.yaml:12:14: warning: stage 'stamp': 'hello' reads a field that no event reaching this stage has "
                    + "(id, value), so it is always null; did you mean the string \"hello\"? [expression]"
            ])
    }

    @Test func aMisspelledFieldSuggestsTheField() throws {
        let found = try warnings(
            """
            sources:
              clicks: { type: generate, count: 1, fields: { value: 5, copy: vaule } }
            sinks:
              out: { type: blackhole, inputs: [clicks] }
            """)
        #expect(found.count == 1)
        #expect(found.first?.contains("did you mean the field 'value'?") == true, "\(found)")
    }

    @Test func fieldsSetEarlierRenamedOrRemovedAreFollowed() throws {
        let found = try warnings(
            """
            sources:
              clicks: { type: generate, count: 1, fields: { a: 1, b: 2 } }
            transforms:
              renamed: { type: rename, inputs: [clicks], fields: { a: c } }
              slim: { type: remove, inputs: [renamed], fields: [b] }
              stamp:
                type: enrich
                inputs: [slim]
                fields:
                  d: c
                  e: d
                  f: a
                  g: b
            sinks:
              out: { type: blackhole, inputs: [stamp] }
            """)
        #expect(found.count == 2, "\(found)")
        #expect(found.allSatisfy { $0.contains("'a' reads") || $0.contains("'b' reads") }, "\(found)")
    }

    @Test func noWarningWhenAnInputCanCarryAnyField() throws {
        let found = try warnings(
            """
            sources:
              logs: { type: file, path: /dev/null }
              clicks: { type: generate, count: 1, fields: { value: 5 } }
            transforms:
              stamp:
                type: enrich
                inputs: [logs, clicks]
                fields:
                  label: hello
                  quoted: "`hello`"
            sinks:
              out: { type: blackhole, inputs: [stamp] }
            """)
        #expect(found.isEmpty, "\(found)")
    }
}
