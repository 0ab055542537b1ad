import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

/// Field lists in stage options read backticks as expressions do: `` `user.address.city` `` is the one
/// top-level field of that name (JSON keys may hold dots), `user.address.city` a nested path.
@Suite struct FieldListBacktickTests {
    /// An event with both a top-level field named `user.address.city` and the nested path.
    private let event = Event([
        "user.address.city": "Lyon",
        "user": .object(Event(["address": .object(Event(["city": "Paris"]))])),
    ])

    @Test func groupByReadsABacktickedFieldWithDotsAsOneName() throws {
        let harness = try AggregateHarness(
            "group_by: [\"`user.address.city`\"]\nmetrics: { n: count() }")
        _ = try harness.process([event, event])
        let rows = try harness.finish()
        #expect(rows.map { $0["user.address.city"] } == ["Lyon"])
        #expect(rows.map { $0["n"] } == [2])
    }

    @Test func removeDeletesTheTopLevelFieldAndLeavesTheNestedOne() throws {
        let (config, diagnostics) = loadConfig(RemoveTransform.self, yaml: "fields: [\"`user.address.city`\"]")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let run = try ProcessorHarness(try #require(config)).run([event])
        let kept = try #require(run.events().first)
        #expect(kept["user.address.city"] == nil)
        #expect(kept.value(at: FieldPath("user.address.city")!) == "Paris")
    }

    @Test func renameMovesTheTopLevelField() throws {
        let (config, diagnostics) = loadConfig(RenameTransform.self, yaml: "fields: { \"`user.address.city`\": city }")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let run = try ProcessorHarness(try #require(config)).run([event])
        let renamed = try #require(run.events().first)
        #expect(renamed["city"] == "Lyon")
        #expect(renamed["user.address.city"] == nil)
    }

    @Test func cleanChangesOnlyTheTopLevelField() throws {
        let (config, diagnostics) = loadConfig(
            CleanTransform.self, yaml: "fields: [\"`user.address.city`\"]\nuppercase: true")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let run = try ProcessorHarness(try #require(config)).run([event])
        let cleaned = try #require(run.events().first)
        #expect(cleaned["user.address.city"] == "LYON")
        #expect(cleaned.value(at: FieldPath("user.address.city")!) == "Paris")
    }

    @Test func anUnclosedBacktickIsAPositionedError() {
        let (config, diagnostics) = loadConfig(RemoveTransform.self, yaml: "fields: [\"`user.city\"]")
        #expect(config?.fields.isEmpty ?? true)
        #expect(
            diagnostics.lines.contains(
                "test.yaml:1:10: error: stage 'id': '`user.city' is not a field name or dotted path [invalid-value]"))
    }
}
