import Testing

@testable import SluiceCore

@Suite struct ExpressionFunctionTests {
    let event = Event([
        "name": "  Ada Lovelace ", "word": "Straße", "emoji": "👩‍💻ok", "n": 3, "x": -2.5, "s12": "12", "list": .array([1, 2, 3]),
        "nothing": nil,
    ])

    @Test(arguments: [
        ("now()", Value.int(1_700_000_000_000)),
        ("lower(word)", "straße"),
        ("upper(word)", "STRASSE"),
        ("trim(name)", "Ada Lovelace"),
        ("trim(\"   \")", ""),
        ("len(emoji)", 3),
        ("len(list)", 3),
        ("len(n)", nil),
        ("lower(n)", nil),
        ("exists(name)", true),
        ("exists(nothing)", true),
        ("exists(missing)", false),
        ("exists(name.inner)", false),
        ("coalesce(missing, nothing, n, 1)", 3),
        ("coalesce(missing)", nil),
        ("to_int(s12)", 12),
        ("to_int(\"12.7\")", 12),
        ("to_int(\"x\")", nil),
        ("to_int(x)", -2),
        ("to_int(true)", 1),
        ("to_int(1e300)", nil),
        ("to_float(n)", 3.0),
        ("to_float(\"2.5\")", 2.5),
        ("to_float(\"nope\")", nil),
        ("to_string(n)", "3"),
        ("to_string(x)", "-2.5"),
        ("to_string(true)", "true"),
        ("to_string(list)", "[1,2,3]"),
        ("to_string(missing)", nil),
        ("round(x)", -3),
        ("round(2.5)", 3),
        ("round(n)", 3),
        ("floor(x)", -3),
        ("ceil(x)", -2),
        ("abs(x)", 2.5),
        ("abs(-4)", 4),
        ("contains(name, \"Love\")", true),
        ("contains(name, \"love\")", false),
        ("contains(list, 2)", true),
        ("contains(list, 9)", false),
        ("starts_with(word, \"Str\")", true),
        ("ends_with(word, \"ße\")", true),
        ("starts_with(n, \"3\")", nil),
        ("concat(\"n=\", n, \", x=\", x, missing)", "n=3, x=-2.5"),
        ("substr(word, 1, 3)", "tra"),
        ("substr(word, 3)", "aße"),
        ("substr(word, -2)", "ße"),
        ("substr(word, 10, 2)", ""),
        ("substr(emoji, 0, 1)", "👩‍💻"),
        ("if(n > 2, \"big\", \"small\")", "big"),
        ("if(missing, 1, 2)", 2),
    ])
    func computesFunctions(source: String, expected: Value) throws {
        #expect(try evaluate(source, event) == expected)
    }

    @Test func ifEvaluatesOnlyTheChosenBranch() throws {
        let expression = try compileValid("if(true, sequence(), sequence())", functions: .generators)
        var context = EvaluationContext()
        #expect(expression.evaluate(event, context: &context) == 0)
        #expect(expression.evaluate(event, context: &context) == 1)
    }

    @Test func sequenceCountsPerCallSite() throws {
        let expression = try compileValid("sequence() * 10 + sequence()", functions: .generators)
        let other = try compileValid("sequence()", functions: .generators)
        var context = EvaluationContext()
        #expect(expression.evaluate(event, context: &context) == 0)
        #expect(expression.evaluate(event, context: &context) == 11)
        #expect(other.evaluate(event, context: &context) == 0)
        #expect(expression.evaluate(event, context: &context) == 22)
    }

    @Test func generatorsStayInTheirRanges() throws {
        let choice = try compileValid("choice([\"a\", \"b\", \"c\"])", functions: .generators)
        let uniform = try compileValid("uniform(1, 2)", functions: .generators)
        let uniformInt = try compileValid("uniform_int(1, 3)", functions: .generators)
        var context = EvaluationContext(seed: 7)
        var choices: Set<String> = [], ints: Set<Int64> = []
        for _ in 0..<1_000 {
            choices.insert(choice.evaluate(event, context: &context).stringValue!)
            let number = uniform.evaluate(event, context: &context).number!
            #expect(number >= 1 && number < 2)
            guard case .int(let i) = uniformInt.evaluate(event, context: &context) else {
                Issue.record("uniform_int gave a non-int")
                return
            }
            ints.insert(i)
        }
        #expect(choices == ["a", "b", "c"])
        #expect(ints == [1, 2, 3])
        #expect(choice.staticType == .string)
        #expect(uniform.staticType == .float)
        #expect(uniformInt.staticType == .int)
    }

    @Test func generatorsGiveNullForEmptyRanges() throws {
        #expect(try evaluate("choice([])", functions: .generators) == nil)
        #expect(try evaluate("uniform(2, 1)", functions: .generators) == nil)
        #expect(try evaluate("uniform(2, 2)", functions: .generators) == 2.0)
        #expect(try evaluate("uniform_int(3, 2)", functions: .generators) == nil)
        #expect(try evaluate("uniform_int(5, 5)", functions: .generators) == 5)
    }

    @Test func sameSeedGivesTheSameStream() throws {
        let expression = try compileValid("[uniform(0, 1), uniform_int(0, 1000), choice([1, 2, 3])]", functions: .generators)
        func stream(seed: UInt64) -> [Value] {
            var context = EvaluationContext(seed: seed)
            return (0..<20).map { _ in expression.evaluate(event, context: &context) }
        }
        #expect(stream(seed: 42) == stream(seed: 42))
        #expect(stream(seed: 42) != stream(seed: 43))
    }

    @Test func nowReadsTheContextClock() throws {
        let expression = try compileValid("now()")
        var context = EvaluationContext(clock: .fixed(123))
        #expect(expression.evaluate(event, context: &context) == 123)
        var system = EvaluationContext()
        let real = expression.evaluate(event, context: &system)
        #expect((real.number ?? 0) > 1_700_000_000_000)
    }
}
