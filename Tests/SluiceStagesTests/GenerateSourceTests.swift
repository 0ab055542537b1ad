import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct GenerateSourceTests {
    typealias F = ExpressionStageFixtures

    private func source(_ options: [(String, F.Option)]) throws -> any Source {
        let (config, diagnostics) = F.read(GenerateSource.self, F.options(options))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try makeSource(try #require(config))
    }

    private let fields: F.Option = .map([
        ("id", .plain("sequence()")),
        ("category", .plain("choice([\"books\", \"games\"])")),
        ("value", .plain("uniform(0, 10)")),
        ("double_id", .plain("id * 2")),
        ("kind", .quoted("\"click\"")),
    ])

    @Test func generatesCountEventsInBatches() throws {
        let output = CollectingSourceOutput(batchSize: 4, recordsSleeps: true)
        try source([("count", .plain("10")), ("fields", fields)]).run(output: output)
        #expect(output.batches.map(\.count) == [4, 4, 2])
        let events = output.events
        #expect(events.map { $0["id"] } == (0..<10).map { Value.int(Int64($0)) })
        #expect(events.map { $0["double_id"] } == (0..<10).map { Value.int(Int64($0 * 2)) })
        #expect(events.allSatisfy { ["books", "games"].contains($0["category"]?.stringValue) })
        #expect(events.allSatisfy { ($0["value"]?.number).map { $0 >= 0 && $0 < 10 } == true })
        #expect(events.allSatisfy { $0["kind"] == "click" })
        #expect(events[0].fields.map(\.name.string) == ["id", "category", "value", "double_id", "kind"])
    }

    @Test func aSeedMakesTheStreamReproducible() throws {
        func run(seed: String) throws -> [Event] {
            let output = CollectingSourceOutput(batchSize: 100, recordsSleeps: true)
            try source([("count", .plain("50")), ("seed", .plain(seed)), ("fields", fields)]).run(output: output)
            return output.events
        }
        #expect(try run(seed: "42") == run(seed: "42"))
        #expect(try run(seed: "42") != run(seed: "7"))
    }

    @Test func endlessStreamStopsWhenAsked() throws {
        let output = CollectingSourceOutput(batchSize: 10, stopAfterBatches: 3, recordsSleeps: true)
        try source([("fields", fields), ("batch_size", .plain("5"))]).run(output: output)
        #expect(output.batches.map(\.count) == [5, 5, 5])
    }

    @Test func pacesARatedStreamWithSleeps() throws {
        let output = CollectingSourceOutput(batchSize: 1_000, recordsSleeps: true)
        try source([("count", .plain("100")), ("rate", .plain("200")), ("fields", fields)]).run(output: output)
        // 200 events/s in batches of 20 (ten a second): 5 batches, sleeping until each after the first is
        // due, and not after the last (a finished source has nothing to wait for).
        #expect(output.batches.map(\.count) == [20, 20, 20, 20, 20])
        #expect(output.sleeps.count == 4)
        #expect(output.sleeps.allSatisfy { $0 > 0.05 && $0 <= 0.5 })
    }

    @Test func reportsInvalidOptions() {
        let (config, diagnostics) = F.read(
            GenerateSource.self,
            F.options([("count", .plain("-1")), ("rate", .plain("0")), ("fields", .map([("x", .plain("sequnce()"))]))]))
        #expect(config == nil)
        #expect(
            diagnostics.all.map(\.message) == [
                "option 'count' must be at least 0, found -1", "option 'rate' must be above 0, found 0.0",
                "unknown function 'sequnce'",
            ])
        #expect(diagnostics.all.last?.suggestion == "sequence")
        #expect(diagnostics.all.last?.location == SourceLocation(file: "p.yaml", line: 5, column: 8))
    }

    @Test func requiresFields() {
        #expect(
            F.read(GenerateSource.self, F.options([("count", .plain("1"))])).diagnostics.all.map(\.message) == [
                "missing required option 'fields'"
            ])
    }

    @Test func generatorFunctionsAreRejectedOutsideGenerate() {
        let (_, diagnostics) = F.read(FilterTransform.self, F.options([("condition", .plain("uniform(0, 1) > 0.5"))]))
        #expect(diagnostics.all.first?.message.contains("generator function") == true)
    }
}
