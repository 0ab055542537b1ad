@testable import SluiceCore

/// The location tests compile expressions at.
let expressionOrigin = SourceLocation(file: "p.yaml", line: 12, column: 16)

/// Compiles `source`, which must be valid.
func compileValid(_ source: String, functions: FunctionSet = .standard) throws -> Expression {
    try Expression.compile(source, at: expressionOrigin, functions: functions).get()
}

/// Compiles `source` and evaluates it against `event` with a fixed clock and seed.
func evaluate(_ source: String, _ event: Event = Event(), functions: FunctionSet = .standard) throws -> Value {
    let expression = try compileValid(source, functions: functions)
    var context = EvaluationContext(seed: 1, clock: .fixed(1_700_000_000_000))
    return expression.evaluate(event, context: &context)
}

/// The diagnostics of compiling `source`, which must be invalid.
func compileErrors(_ source: String, functions: FunctionSet = .standard) -> [Diagnostic] {
    switch Expression.compile(source, at: expressionOrigin, functions: functions) {
    case .success: return []
    case .failure(let diagnostics): return diagnostics.all
    }
}
