import SluiceConfig
import SluiceCore
import Testing

/// Values from the environment are data: in an expression each is one literal, and a file path refuses
/// the control characters one brings in.
@Suite struct EnvironmentValueTests {
    /// The options of the only source of a pipeline whose source mapping is `options`.
    func options(_ options: String, environment: [String: String]) throws -> ConfigNode {
        let text = "sources:\n  s: { type: t, \(options) }\nsinks:\n  o: { type: blackhole, inputs: [s] }\n"
        return try PipelineLoader(environment: environment).load(text: text, file: "p.yaml").get().stages[0].options
    }

    func condition(
        _ text: String, environment: [String: String]
    ) throws -> (expression: Expression?, diagnostics: [String]) {
        var reader = OptionsReader(try options("condition: \(text)", environment: environment), stage: "s")
        let expression = reader.expression("condition")
        _ = reader.node("type")
        return (expression, reader.finish().sorted.map(\.description))
    }

    func value(_ expression: Expression?, for event: Event = Event(["category": .string("books")])) -> Value? {
        var context = EvaluationContext(seed: 1)
        return expression?.evaluate(event, context: &context)
    }

    @Test func aValueThatLooksLikeCodeIsOneString() throws {
        let injected = #"x" || true || "y"#
        let compiled = try condition(#"'category == "${WANTED}"'"#, environment: ["WANTED": injected])
        #expect(compiled.diagnostics.isEmpty)
        #expect(value(compiled.expression) == .bool(false))
        #expect(value(compiled.expression, for: Event(["category": .string(injected)])) == .bool(true))
    }

    @Test func anUnquotedValueIsOneLiteralNotAnExpression() throws {
        let compiled = try condition("'category == ${WANTED}'", environment: ["WANTED": "category || true"])
        #expect(value(compiled.expression) == .bool(false))
        #expect(value(compiled.expression, for: Event(["category": .string("category || true")])) == .bool(true))
    }

    @Test func numbersAndBooleansKeepTheirType() throws {
        let number = try condition("'len(category) >= ${MIN}'", environment: ["MIN": "5"])
        #expect(number.diagnostics.isEmpty)
        #expect(value(number.expression) == .bool(true))
        let flag = try condition("'${ON} && category == \"books\"'", environment: ["ON": "true"])
        #expect(value(flag.expression) == .bool(true))
    }

    @Test func aValueCannotCompleteANameOrAnOperator() throws {
        let name = try condition("'category_${SUFFIX} == 1'", environment: ["SUFFIX": "x"])
        #expect(name.expression == nil)
        #expect(
            name.diagnostics.first?.hasPrefix("p.yaml:2:38: error: stage 's': unexpected 'x'") == true,
            "\(name.diagnostics)")
        let op = try condition("'1 <${OP} 2'", environment: ["OP": "= 2 || 1 =="])
        #expect(op.expression == nil)
    }

    @Test func aMetricCallReadsAValueAsOneLiteralToo() throws {
        let node = try #require(
            try options("metric: 'count() where category == ${WANTED}'", environment: ["WANTED": "x || true"])["metric"]
        )
        let call = try Expression.parseCall(
            node.scalar ?? "", at: node.textLocation, literals: node.substitutions.map(\.range)
        ).get()
        #expect(value(call.condition) == .bool(false))
    }

    @Test func aNewlineFromTheEnvironmentInAFilePathIsAnError() throws {
        var reader = OptionsReader(
            try options("path: 'out/${NAME}.ndjson'", environment: ["NAME": "a\nb"]), stage: "s")
        #expect(reader.requiredFilePath("path") == nil)
        _ = reader.node("type")
        #expect(
            reader.finish().sorted.map(\.description) == [
                "p.yaml:2:28: error: stage 's': option 'path': environment variable 'NAME' puts a newline (U+000A) "
                    + "into the file path [invalid-value]"
            ])
    }

    @Test func aControlCharacterWrittenInTheFileIsAnErrorToo() throws {
        var reader = OptionsReader(try options(#"path: "a\tb""#, environment: [:]), stage: "s")
        #expect(reader.filePath("path") == nil)
        #expect(reader.finish().all.first?.message == "option 'path': a file path cannot contain a tab (U+0009)")
    }

    @Test func anOrdinaryPathFromTheEnvironmentIsKept() throws {
        var reader = OptionsReader(try options("path: '${DIR}/x'", environment: ["DIR": "/tmp/d ä"]), stage: "s")
        #expect(reader.requiredFilePath("path") == "/tmp/d ä/x")
    }
}
