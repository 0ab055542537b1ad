import Testing

@testable import SluiceCore

/// Regular expressions run on RE2: linear in the text whatever the pattern, compiled once, with their
/// errors at the pattern's position.
@Suite struct ExpressionRegexTests {
    /// Patterns that take exponential time on a backtracking engine, on lines that make them fail late.
    @Test(
        .timeLimit(.minutes(2)),
        arguments: [
            (#"match(line, r"^(a+)+$")"#, String(repeating: "a", count: 200_000) + "!"),
            (#"parse_regex(line, r"(?P<x>(x+x+)+y)")"#, String(repeating: "x", count: 200_000)),
            (#"replace(line, r"(a|aa)*c", "")"#, String(repeating: "a", count: 50_000)),
            (#"parse_grok(line, "%{DATA:a}%{DATA:b}%{DATA:c}z$")"#, String(repeating: "y", count: 20_000)),
        ])
    func aHostileLineCannotStallAStage(source: String, line: String) throws {
        let value = try evaluate(source, Event(["line": .string(line)]))
        #expect(value == .bool(false) || value == .null || value == .string(line))
    }

    @Test func aBadPatternIsAnErrorAtThePattern() {
        let errors = compileErrors(#"match(name, r"(?P<a>x")"#)
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("the pattern does not compile: missing ): ") == true, "\(errors)")
        #expect(errors.first?.location?.column == expressionOrigin.column + 12)
    }

    @Test func backreferencesAreRejectedBecauseTheyCannotBeLinear() {
        let errors = compileErrors(#"match(name, r"(a)\1")"#)
        #expect(errors.first?.message.hasPrefix("the pattern does not compile") == true, "\(errors)")
    }

    @Test func capturesCountBytesOfUTF8Correctly() throws {
        #expect(try evaluate(#"parse_regex("é😀x", r"(?P<c>.)x")"#) == .object(Event(["c": "😀"])))
        #expect(try evaluate(#"replace("naïve café", r"[^a-z ]", "_")"#) == "na_ve caf_")
    }

    @Test func anOptionalGroupThatTookNoPartIsNull() throws {
        let value = try evaluate(#"parse_regex("GET /", r"^(?P<verb>\w+) (?P<path>\S+)(?: (?P<query>\S+))?")"#)
        #expect(value == .object(Event(["verb": "GET", "path": "/", "query": nil])))
    }

    @Test func aReplacementFromAFieldIsCheckedPerEvent() throws {
        let expression = try compileValid(#"replace(name, r"(\w+)", template)"#)
        var context = EvaluationContext(seed: 1, clock: .fixed(0))
        #expect(expression.evaluate(Event(["name": "ab cd", "template": "<$1>"]), context: &context) == "<ab> <cd>")
        #expect(expression.evaluate(Event(["name": "ab", "template": "$7"]), context: &context) == nil)
        #expect(expression.evaluate(Event(["name": "ab", "template": "${nope}"]), context: &context) == nil)
        #expect(expression.evaluate(Event(["name": "ab", "template": "a\\b"]), context: &context) == "a\\b")
    }

    @Test func rawStringsKeepBackslashesAndNeedTheirClosingQuote() throws {
        #expect(try evaluate(#"r"\d\n""#) == .string(#"\d\n"#))
        #expect(try evaluate(#"r'say "hi"'"#) == .string(#"say "hi""#))
        #expect(compileErrors(#"r"open"#).first?.message == "unterminated raw string; add the closing \"")
    }
}
