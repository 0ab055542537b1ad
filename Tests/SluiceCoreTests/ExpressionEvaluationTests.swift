import Testing

@testable import SluiceCore

/// Compiles `source` (which must be valid) and evaluates it against `event`.
func evaluate(_ source: String, _ event: Event = Event(), functions: FunctionSet = .standard) throws -> Value {
    let expression = try compileValid(source, functions: functions)
    var context = EvaluationContext(seed: 1, clock: .fixed(1_700_000_000_000))
    return expression.evaluate(event, context: &context)
}

func compileValid(_ source: String, functions: FunctionSet = .standard) throws -> Expression {
    try Expression.compile(source, at: SourceLocation(file: "p.yaml", line: 1, column: 1), functions: functions).get()
}

@Suite struct ExpressionEvaluationTests {
    let event = Event(["value": 5, "category": "books", "price": 2.5, "name": "  Ada  ", "empty": nil])

    @Test func smoke() throws {
        #expect(try evaluate("value >= 1 && category != \"\"", event) == .bool(true))
        #expect(try evaluate("1 + 2 * 3", event) == .int(7))
        #expect(try evaluate("upper(category)", event) == .string("BOOKS"))
    }
}
