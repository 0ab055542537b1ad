import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct FilterTransformTests {
    typealias F = ExpressionStageFixtures

    @Test func keepsMatchingEventsAndCountsTheRestAsFiltered() throws {
        let (config, diagnostics) = F.read(
            FilterTransform.self, F.options([("condition", .plain("value >= 1 && category != \"\""))]))
        #expect(diagnostics.isEmpty)
        let events = [
            Event(["value": 1, "category": "a"]), Event(["value": 0, "category": "a"]),
            Event(["value": 5, "category": ""]), Event(["category": "b"]), Event(["value": 2.5, "category": "c"]),
        ]
        let run = try ProcessorHarness(try #require(config)).run(events)
        #expect(run.events() == [events[0], events[4]])
        #expect(run.drops == [.filtered: 3])
    }

    /// The test docs/writing-stages.md shows: YAML in, events through the harness, drops counted.
    @Test func filtersEventsConfiguredFromYAML() throws {
        let (config, diagnostics) = loadConfig(FilterTransform.self, yaml: "condition: value >= 1")
        #expect(diagnostics.isEmpty)
        let run = try ProcessorHarness(try #require(config)).run([Event(["value": 1]), Event(["value": 0])])
        #expect(run.events() == [Event(["value": 1])])
        #expect(run.drops == [.filtered: 1])
    }

    @Test func rejectsAConditionThatCannotBeBool() {
        let (config, diagnostics) = F.read(FilterTransform.self, F.options([("condition", .plain("value + 1"))]))
        #expect(config == nil)
        #expect(diagnostics.all.map(\.message) == ["option 'condition' must be a bool expression, found number"])
        #expect(diagnostics.all.first?.location == SourceLocation(file: "p.yaml", line: 2, column: 14))
    }

    @Test func reportsExpressionErrorsAtTheirColumn() {
        let (_, diagnostics) = F.read(FilterTransform.self, F.options([("condition", .quoted("lenn(x) > 1"))]))
        #expect(diagnostics.all.first?.location == SourceLocation(file: "p.yaml", line: 2, column: 15))
        #expect(diagnostics.all.first?.suggestion == "len")
        #expect(diagnostics.all.first?.stage == "under_test")
    }

    @Test func requiresACondition() {
        let (config, diagnostics) = F.read(FilterTransform.self, F.options([("conditon", .plain("true"))]))
        #expect(config == nil)
        #expect(diagnostics.all.map(\.message) == ["missing required option 'condition'", "unknown option 'conditon'"])
        #expect(diagnostics.all.last?.suggestion == "condition")
    }

    @Test func isStateless() throws {
        let config = try #require(F.read(FilterTransform.self, F.options([("condition", .plain("true"))])).config)
        #expect(config.isStateless)
    }
}
