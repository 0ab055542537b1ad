/// A call such as `sum(value)` or `count() where status == "error"`, as aggregate metrics are written.
///
/// Only the shape is checked here: the arguments and the condition are compiled expressions, the name
/// is left for the aggregate to validate against its own functions (reporting at `nameLocation`).
public struct CallSyntax: Sendable, Equatable {
    /// The function name as written.
    public let name: String
    /// Where the name starts in the pipeline file.
    public let nameLocation: SourceLocation
    /// The arguments, compiled with the standard functions.
    public let arguments: [Expression]
    /// The `where` condition, if any; its static type can be bool.
    public let condition: Expression?

    /// The warnings of the arguments and the condition.
    public var warnings: Diagnostics {
        var all = Diagnostics()
        for expression in arguments + (condition.map { [$0] } ?? []) { all.append(contentsOf: expression.warnings) }
        return all
    }
}

extension Expression {
    /// Parses `name(arguments) [where condition]`, starting at `location`; every problem in the call's
    /// shape, its arguments or its condition is a positioned diagnostic. `literals` are as for `compile`.
    public static func parseCall(
        _ source: String, at location: SourceLocation, literals: [Range<Int>] = []
    ) -> Result<CallSyntax, Diagnostics> {
        parseCall(source, at: TextPositions(startingAt: location), literals: literals)
    }

    /// Like `parseCall(_:at:literals:)`, for text whose scalars were written at `positions`.
    public static func parseCall(
        _ source: String, at positions: TextPositions, literals: [Range<Int>] = []
    ) -> Result<CallSyntax, Diagnostics> {
        let text = ExpressionText(source, at: positions)
        var parser = ExpressionParser(text.scalars, literals: literals)
        let call = parser.parseMetricCall()
        guard let call else { return .failure(text.diagnostics(for: parser.errors)) }

        var diagnostics = text.diagnostics(for: parser.errors)
        var arguments: [Expression] = []
        for syntax in call.arguments {
            switch build(syntax, in: text, functions: .standard) {
            case .success(let argument): arguments.append(argument)
            case .failure(let errors): diagnostics.append(contentsOf: errors)
            }
        }
        var condition: Expression?
        if let syntax = call.condition {
            switch build(syntax, in: text, functions: .standard) {
            case .success(let compiled):
                condition = compiled
                if !compiled.staticType.canBe(.bool) {
                    diagnostics.error(
                        .expression, "a 'where' condition must be bool, found \(compiled.staticType)",
                        at: text.location(at: syntax.start))
                }
            case .failure(let errors): diagnostics.append(contentsOf: errors)
            }
        }
        guard diagnostics.isEmpty else { return .failure(diagnostics) }
        return .success(
            CallSyntax(
                name: call.name, nameLocation: text.location(at: call.nameOffset), arguments: arguments,
                condition: condition))
    }
}

extension ExpressionParser {
    /// `name(arguments) [where condition]`, the whole input; `nil` when it does not have that shape.
    mutating func parseMetricCall() -> (name: String, nameOffset: Int, arguments: [SyntaxNode], condition: SyntaxNode?)?
    {
        let nameToken = current
        guard case .identifier(let name) = nameToken.kind, !["true", "false", "null", "in", "where"].contains(name)
        else {
            fail("expected a function call such as count() or sum(value), found \(describe(nameToken))")
            return nil
        }
        advance()
        guard current.kind == .symbol(.leftParen) else {
            fail("expected '(' after '\(name)'; a metric is a call such as \(name)() or \(name)(field)")
            return nil
        }
        guard case .call(_, let arguments) = parseCall(name: name, start: nameToken.offset).kind else { return nil }
        var condition: SyntaxNode?
        if current.kind == .identifier("where") {
            advance()
            condition = parseExpression()
        }
        expectEnd()
        return (name, nameToken.offset, arguments, condition)
    }
}
