import Testing

@testable import SluiceCore

@Suite struct ExpressionCallSyntaxTests {
    @Test func parsesNameArgumentsAndCondition() throws {
        let call = try Expression.parseCall("percentile(latency_ms * 2, 0.99) where status == \"error\"", at: expressionOrigin).get()
        #expect(call.name == "percentile")
        #expect(call.nameLocation == expressionOrigin)
        #expect(call.arguments.map(\.source) == ["latency_ms * 2", "0.99"])
        #expect(call.arguments[1].constantValue == 0.99)
        #expect(call.condition?.source == "status == \"error\"")
        var context = EvaluationContext()
        #expect(call.condition?.isTrue(Event(["status": "error"]), context: &context) == true)
    }

    @Test func parsesCallsWithoutArguments() throws {
        let call = try Expression.parseCall("count()", at: expressionOrigin).get()
        #expect(call.name == "count")
        #expect(call.arguments.isEmpty)
        #expect(call.condition == nil)
    }

    @Test func reportsErrorsInsideArgumentsAtTheirColumns() {
        guard case .failure(let diagnostics) = Expression.parseCall("sum(lenn(x)) where \"a\" - 1", at: expressionOrigin) else {
            Issue.record("expected errors")
            return
        }
        let positions = diagnostics.all.map { "\($0.location!.line):\($0.location!.column)" }
        #expect(positions == ["12:20", "12:39"])
    }

    @Test func rejectsANonBoolCondition() {
        guard case .failure(let diagnostics) = Expression.parseCall("count() where 1 + 2", at: expressionOrigin) else {
            Issue.record("expected errors")
            return
        }
        #expect(diagnostics.all.map(\.message) == ["a 'where' condition must be bool, found int"])
        #expect(diagnostics.all.first?.location?.column == 30)
    }

    @Test(arguments: [
        ("count", "expected '(' after 'count'; a metric is a call such as count() or count(field)", 21),
        ("42", "expected a function call such as count() or sum(value), found '42'", 16),
        ("sum(x) extra", "unexpected 'extra' after the expression", 23),
    ])
    func rejectsOtherShapes(source: String, message: String, column: Int) {
        guard case .failure(let diagnostics) = Expression.parseCall(source, at: expressionOrigin) else {
            Issue.record("expected errors")
            return
        }
        #expect(diagnostics.all.map(\.message) == [message])
        #expect(diagnostics.all.first?.location?.column == column)
    }
}
