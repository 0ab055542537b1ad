import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct EnrichTransformTests {
    typealias F = ExpressionStageFixtures

    private func config(_ fields: [(String, F.Option)]) throws -> EnrichTransformConfig {
        let (config, diagnostics) = F.read(EnrichTransform.self, F.options([("fields", .map(fields))]))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(config)
    }

    @Test func setsFieldsInOrderSoLaterOnesSeeEarlierOnes() throws {
        let config = try config([
            ("total", .plain("price * quantity")),
            ("size", .plain("if(total > 10, \"large\", \"small\")")),
            ("price", .plain("price + 1")),
        ])
        let run = try ProcessorHarness(config).run([
            Event(["price": 4, "quantity": 3]), Event(["price": 1, "quantity": 2]),
        ])
        let events = run.events()
        #expect(events[0] == Event(["price": 5, "quantity": 3, "total": 12, "size": "large"]))
        #expect(events[1] == Event(["price": 2, "quantity": 2, "total": 2, "size": "small"]))
    }

    @Test func setsDottedPathsAndNulls() throws {
        let config = try config([("user.name", .plain("upper(name)")), ("gone", .plain("missing"))])
        let run = try ProcessorHarness(config).run([Event(["name": "ada"])])
        let event = try #require(run.events().first)
        #expect(event.value(at: FieldPath("user.name")!) == "ADA")
        #expect(event["gone"] == .null)
    }

    @Test func reportsBadFieldNamesAndExpressions() {
        let (config, diagnostics) = F.read(
            EnrichTransform.self,
            F.options([("fields", .map([("a..b", .plain("1")), ("ok", .plain("1 +")), ("fine", .plain("now()"))]))]))
        #expect(config == nil)
        #expect(
            diagnostics.sorted.map(\.message) == [
                "'a..b' is not a field name or dotted path", "expected a value, found the end of the expression",
            ])
        #expect(diagnostics.sorted.map { $0.location!.line } == [3, 4])
        #expect(diagnostics.sorted.last?.location?.column == 12)
    }

    @Test func requiresFields() {
        let (config, diagnostics) = F.read(EnrichTransform.self, F.options([]))
        #expect(config == nil)
        #expect(diagnostics.sorted.map(\.message) == ["missing required option 'fields'"])
    }
}
