import Testing

@testable import SluiceCore

/// Expressions compiled at 12:16 (`expressionOrigin`): an error at offset k is reported at column 16 + k.
@Suite struct ExpressionDiagnosticsTests {
    private func positions(_ source: String, functions: FunctionSet = .standard) -> [String] {
        compileErrors(source, functions: functions).map { "\($0.location!.line):\($0.location!.column)" }
    }

    @Test func unknownFunctionPointsAtItsNameAndSuggests() throws {
        let errors = compileErrors("value + lenn(name)")
        #expect(errors.count == 1)
        #expect(errors[0].location == SourceLocation(file: "p.yaml", line: 12, column: 24))
        #expect(errors[0].code == .expression)
        #expect(errors[0].message == "unknown function 'lenn'")
        #expect(errors[0].suggestion == "len")
    }

    @Test func unknownFunctionAtOffsetNine() {
        #expect(positions("value + 1 lenn(x)").first == "12:26")
        #expect(positions("a == 1 || lowr(b) == \"x\"") == ["12:26"])
        #expect(compileErrors("a || lowr(b)").first?.suggestion == "lower")
    }

    @Test func wrongArity() {
        let errors = compileErrors("len(a, b)")
        #expect(errors.map(\.message) == ["len() takes 1 argument, found 2"])
        #expect(positions("x + substr(a)") == ["12:20"])
        #expect(compileErrors("substr(a)").first?.message == "substr() takes 2 to 3 arguments, found 1")
        #expect(compileErrors("coalesce()").first?.message == "coalesce() takes at least 1 argument, found 0")
        #expect(compileErrors("now(1)").first?.message == "now() takes 0 arguments, found 1")
        // Found by the fuzzer: a function whose result type reads its arguments crashed the checker.
        #expect(compileErrors("if(x > 1)").first?.message == "if() takes 3 arguments, found 1")
        #expect(compileErrors("abs()").first?.message == "abs() takes 1 argument, found 0")
        #expect(
            compileErrors("choice()", functions: .generators).first?.message == "choice() takes 1 argument, found 0")
    }

    @Test(arguments: [
        ("\"a\" - 1", "12:20", "'-' cannot be applied to string and int"),
        ("\"x\" > 3", "12:20", "'>' cannot order string and int"),
        ("len(5)", "12:20", "len() expects string or array as argument 1, found int"),
        ("\"x\" == 3", "12:20", "'==' compares string with int, which are never equal"),
        ("true + 1", "12:21", "'+' cannot be applied to bool and int"),
        ("1 && x", "12:18", "'&&' needs bool operands, found int"),
        ("!\"s\"", "12:16", "'!' needs a bool, found string"),
        ("-\"s\"", "12:16", "'-' needs a number, found string"),
        ("x in 3", "12:18", "'in' needs an array on its right, found int"),
        ("x < null", "12:18", "'<' cannot order any and null"),
        ("if(1, 2, 3)", "12:19", "if() expects bool as argument 1, found int"),
        ("exists(1)", "12:23", "exists() takes a field path such as exists(user.id)"),
        ("substr(s, \"1\")", "12:26", "substr() expects int as argument 2, found string"),
        (
            "choice([1])", "12:16",
            "choice() is a generator function, available only in the fields of a 'generate' source"
        ),
    ])
    func typeClashesPointAtTheOperatorOrArgument(source: String, position: String, message: String) {
        let errors = compileErrors(source)
        #expect(errors.count == 1, "\(errors)")
        #expect(positions(source).first == position)
        #expect(errors.first?.message == message)
    }

    @Test(arguments: [
        ("value >= ", "12:25", "expected a value, found the end of the expression"),
        ("(a + b", "12:22", "expected ')' to close '(', found the end of the expression"),
        ("len(a b)", "12:22", "expected ')' to close '(', found 'b'"),
        ("a = 1", "12:18", "unexpected '='; use '==' to compare"),
        ("a & b", "12:18", "unexpected '&'; use '&&'"),
        ("\"open", "12:16", "unterminated string; add the closing \""),
        (
            "\"a\\qb\"", "12:18",
            "invalid escape '\\q' in string; a raw string such as r\"\\d+\" keeps every backslash (for regular "
                + "expressions)"
        ),
        ("a b", "12:18", "unexpected 'b' after the expression"),
        ("a.", "12:18", "expected a field name after '.', found the end of the expression"),
        ("a # b", "12:18", "unexpected character '#'"),
        ("99999999999999999999", "12:16", "integer '99999999999999999999' is out of range"),
        ("", "12:16", "expected a value, found the end of the expression"),
        ("`unterminated", "12:16", "unterminated field name; add the closing `"),
    ])
    func syntaxErrorsPointAtTheToken(source: String, position: String, message: String) {
        let errors = compileErrors(source)
        #expect(errors.count == 1, "\(errors)")
        #expect(positions(source).first == position)
        #expect(errors.first?.message == message)
    }

    @Test func reportsEveryErrorOfAnExpression() {
        let errors = compileErrors("lenn(a) + (\"x\" - 1) + uper(b) +")
        #expect(
            errors.map(\.message).sorted() == [
                "'-' cannot be applied to string and int",
                "expected a value, found the end of the expression",
                "unknown function 'lenn'",
                "unknown function 'uper'",
            ])
        #expect(positions("lenn(a) + uper(b)") == ["12:16", "12:26"])
    }

    @Test func generatorsAreAllowedInAGeneratorSet() {
        #expect(compileErrors("sequence() + uniform_int(1, 2)", functions: .generators).isEmpty)
        #expect(compileErrors("sequence()").count == 1)
        #expect(compileErrors("sequnce()", functions: .generators).first?.suggestion == "sequence")
    }

    @Test func multiLineSourcesCountLines() {
        let errors = compileErrors("a &&\nlenn(b)")
        #expect(errors.first?.location == SourceLocation(file: "p.yaml", line: 13, column: 16))
    }

    @Test func columnsCountUnicodeScalars() {
        #expect(positions("\"é\" + lenn(a)") == ["12:22"])
    }
}
