import SluiceCore
import SluiceGraph
import SluiceStages
import SluiceTesting
import Testing

/// Every kind of mistake in a pipeline file is reported before anything runs, at its line and column.
@Suite struct CompilerDiagnosticsTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    /// The diagnostics of compiling `yaml`; the test fails if it compiles.
    func diagnostics(_ yaml: String, environment: [String: String] = [:]) -> [Diagnostic] {
        switch harness.compile(yaml, file: "p.yaml", environment: environment) {
        case .success:
            Issue.record("expected diagnostics, but the pipeline compiled")
            return []
        case .failure(let diagnostics):
            return diagnostics.sorted
        }
    }

    func expectOne(
        _ found: [Diagnostic], code: DiagnosticCode, line: Int, column: Int, suggestion: String? = nil,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
        guard let diagnostic = found.first else { return }
        #expect(diagnostic.code == code, sourceLocation: sourceLocation)
        #expect(diagnostic.location?.line == line, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.location?.column == column, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.suggestion == suggestion, sourceLocation: sourceLocation)
        #expect(diagnostic.description.hasPrefix("p.yaml:\(line):\(column): error: "), sourceLocation: sourceLocation)
    }

    @Test func unknownTypeSuggestsTheClosestName() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            aggregations:
              a:
                type: agregate
                inputs: [n]
            sinks:
              out: { type: test_sink, inputs: [a] }
            """)
        expectOne(found, code: .unknownStageType, line: 5, column: 11, suggestion: "aggregate")
        #expect(found.first?.description.contains("did you mean 'aggregate'?") == true)
    }

    @Test func typeOfAnotherKindSaysWhereItBelongs() {
        let found = diagnostics(
            """
            sources:
              n: { type: blackhole }
            sinks:
              out: { type: test_sink, inputs: [n] }
            """)
        expectOne(found, code: .unknownStageType, line: 2, column: 14)
        #expect(found.first?.message.contains("move it under 'sinks'") == true)
    }

    @Test func unknownOptionSuggestsTheClosestOption() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            transforms:
              c:
                type: clean
                inputs: [n]
                fields: [key]
                lowercse: true
            sinks:
              o: { type: blackhole, inputs: [c] }
            """)
        expectOne(found, code: .unknownField, line: 8, column: 5, suggestion: "lowercase")
    }

    @Test func missingInputIsReportedWhereItIsNamed() {
        let found = diagnostics(
            """
            sources:
              events: { type: test_source, count: 1 }
            sinks:
              out:
                type: blackhole
                inputs: [evnets]
            """)
        expectOne(found, code: .unknownInput, line: 6, column: 14, suggestion: "events")
    }

    @Test func cycleIsReportedOnceWithItsPath() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            transforms:
              a: { type: remove, inputs: [n, c], fields: [x] }
              b: { type: remove, inputs: [a], fields: [x] }
              c: { type: remove, inputs: [b], fields: [x] }
            sinks:
              o: { type: blackhole, inputs: [c] }
            """)
        #expect(found.count == 1)
        #expect(found.first?.code == .cycle)
        #expect(found.first?.message.contains("a → b → c → a") == true, "\(found)")
    }

    @Test func duplicateIdAcrossSectionsPointsAtTheSecond() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            sinks:
              n: { type: blackhole, inputs: [n] }
            """)
        expectOne(found, code: .duplicateStage, line: 4, column: 3)
    }

    @Test func badDurationPointsAtTheValue() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            aggregations:
              a:
                type: aggregate
                inputs: [n]
                window: { type: tumbling, size: 10 seconds }
                metrics: { c: count() }
            sinks:
              o: { type: blackhole, inputs: [a] }
            """)
        expectOne(found, code: .invalidValue, line: 7, column: 37)
    }

    @Test func unsetEnvironmentVariablePointsInsideTheValue() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            sinks:
              o:
                type: file
                inputs: [n]
                path: out/${OUT_DIR}/x.ndjson
            """)
        expectOne(found, code: .environment, line: 7, column: 15)
    }

    @Test func environmentDefaultsAndValuesAreSubstituted() throws {
        let graph = try harness.compile(
            """
            name: ${NAME:-fallback}
            sources:
              n: { type: test_source, count: "${COUNT}" }
            sinks:
              o: { type: blackhole, inputs: [n] }
            """, environment: ["COUNT": "3"]
        ).get()
        #expect(graph.name == "fallback")
    }

    @Test func expressionTypeErrorPointsInsideTheExpression() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            aggregations:
              a:
                type: aggregate
                inputs: [n]
                metrics:
                  total: sum(len(5))
            sinks:
              o: { type: blackhole, inputs: [a] }
            """)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.code == .expression)
        #expect(found.first?.location?.line == 8)
        #expect(found.first?.location?.column == 22, "\(found)")  // the argument `5`
    }

    @Test func everyErrorOfTheFileIsReportedAtOnce() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: -1 }
            transforms:
              c: { type: clean, inputs: [nn], fields: [key], trim: maybe }
            sinks:
              o: { type: blackhole, inputs: [c], colour: red }
            """)
        #expect(found.map(\.code) == [.invalidValue, .unknownInput, .wrongType, .unknownField], "\(found)")
    }

    @Test func badYAMLIsASyntaxErrorWithItsPosition() {
        let found = diagnostics("sources:\n  n: { type: test_source\n")
        #expect(found.count == 1)
        #expect(found.first?.code == .yamlSyntax)
        #expect(found.first?.location?.line ?? 0 >= 2)
    }

    @Test func namedOutputsOfAStageWithoutThemAreRejected() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            sinks:
              o: { type: blackhole, inputs: [n.errors] }
            """)
        expectOne(found, code: .unknownInput, line: 4, column: 34)
    }

    /// A pipeline whose filter `f` has the condition written as `condition` (YAML, from the key on).
    private func filter(_ condition: String) -> String {
        "sources:\n  n: { type: test_source, count: 1 }\ntransforms:\n  f:\n    type: filter\n    inputs: [n]\n"
            + "    \(condition)\nsinks:\n  out: { type: test_sink, inputs: [f] }\n"
    }

    /// An expression error points at its token however the value is written: over several lines, with
    /// escapes or doubled quotes, or after a `${VAR}` whose value is longer than its name.
    @Test(arguments: [
        ("condition: >\n      v == 1 &&\n      v @ 2", 9, 9),
        ("condition: |\n      v == 1 &&\n        v @ 2", 9, 11),
        ("condition: v == 1 &&\n      v @ 2", 8, 9),
        (#"condition: "v == \"\u0041\t\" && v @ 2""#, 7, 40),
        ("condition: 'v == ''it'' && v @ 2'", 7, 34),
        ("condition: \"v == 1 &&\\\n      v @ 2\"", 8, 9),
        ("condition: v == ${LONG} && v @ 2", 7, 34),
    ])
    func expressionErrorsPointAtTheirTokenAsWritten(condition: String, line: Int, column: Int) {
        let found = diagnostics(filter(condition), environment: ["LONG": "1234567890"])
        expectOne(found, code: .expression, line: line, column: column)
    }

    @Test func anUnsetVariableOnALaterLineOfAValueIsReportedThere() {
        let found = diagnostics(filter("condition: >\n      v == 1 &&\n      v == ${NOPE}"))
        expectOne(found, code: .environment, line: 9, column: 12)
    }

    @Test func aQuotedMetricCallReportsItsErrorsAtTheirColumn() {
        let found = diagnostics(
            """
            sources:
              n: { type: test_source, count: 1 }
            aggregations:
              a: { type: aggregate, inputs: [n], metrics: { p: "percentile(v @ 1, 0.5)" } }
            sinks:
              out: { type: test_sink, inputs: [a] }
            """)
        expectOne(found, code: .expression, line: 4, column: 66)
    }
}
