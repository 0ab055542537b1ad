import Testing

@testable import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile expressions: values at the edges of the int range, and expressions too long or too deep for a
/// recursive parser. None may crash; each has a defined result or a positioned error.
@Suite struct ExpressionLimitsTests {
    let event = Event([
        "max": .int(.max), "min": .int(.min), "nan": .double(.nan), "inf": .double(.infinity), "huge": 1e300,
        "one": 1,
    ])

    @Test(arguments: [
        ("max + 1", Value.null),
        ("min - 1", nil),
        ("max * 2", nil),
        ("min * -1", nil),
        ("min / -1", nil),
        ("min % -1", 0),
        ("-min", nil),
        ("abs(min)", nil),
        ("abs(min + 1)", .int(.max)),
        ("max + 0 - 1", .int(.max - 1)),
        ("max + one", nil),
        ("min + one - one", .int(.min)),
        ("to_int(huge)", nil),
        ("to_int(nan)", nil),
        ("to_int(inf)", nil),
        ("round(nan)", nil),
        ("floor(huge)", nil),
        ("nan + 1", nil),
        ("one / 0", nil),
        ("one % 0", nil),
    ])
    func intOverflowAndNonFiniteNumbersGiveNull(source: String, expected: Value) throws {
        #expect(try evaluate(source, event) == expected)
    }

    @Test func aChainOfTenThousandTermsCompilesAndEvaluatesOnASmallStack() throws {
        let sum = Array(repeating: "one", count: 10_000).joined(separator: " + ")
        let mixed = Array(repeating: "one + one - one", count: 5_000).joined(separator: " - ")
        let conjunction = Array(repeating: "one == 1", count: 10_000).joined(separator: " && ")
        let results = try onSmallStack {
            [try evaluate(sum, event), try evaluate(mixed, event), try evaluate(conjunction, event)]
        }
        #expect(results == [.int(10_000), .int(1 - 4_999), .bool(true)])
    }

    @Test func aChainOfTenThousandIndexesIsFlat() throws {
        let source = "list" + String(repeating: "[0]", count: 10_000)
        var nested = Value.int(7)
        for _ in 0..<10_000 { nested = .array([nested]) }
        let value = try onSmallStack { try evaluate(source, Event(["list": nested])) }
        #expect(value == .int(7))
    }

    @Test(arguments: [
        "pow(max, max)", "pow(min, 3)", "pow(huge, huge)", "round(huge, 308)", "round(max, -18)", "round(min, -1)",
        "round(nan, 2)", "round(one, max)", "round(huge, min)", "format(\"%d|%x|%e\", min, min, huge)",
        "format(\"%1000.1000f\", huge)", "split(\"\", \"\")", "split(\"ab\", \"\", max)",
        "format_timestamp(min, \"%F\")", "format_timestamp(huge, \"%F\")", "parse_timestamp(\"-1\", \"%s\")",
        "parse_timestamp(\"9223372036854775\", \"%s\")", "hash(nan)", "[1][min]", "[1][max]", "{a: 1}[\"b\"]",
        "index_of(\"\", \"\")", "min(nan, 1)", "max(inf, huge)", "sqrt(inf)", "exp(huge)", "log(nan)",
        "to_bool(nan)", "substr(\"x\", min, max)", "parse_csv(\"\\\"\")", "parse_kv(\"=\")", "parse_kv(\"a=\\\"\")",
    ])
    func newFunctionsGiveAValueOrNullAtTheEdges(source: String) throws {
        _ = try evaluate(source, event)
    }

    @Test func chainsMeanWhatNestingFromTheLeftMeans() throws {
        for (chain, nested) in [
            ("10 - one - 3 + 2", "((10 - one) - 3) + 2"), ("7 * one / 2 % 3", "((7 * one) / 2) % 3"),
            ("one == 2 || one == 1 || x", "(one == 2 || one == 1) || x"),
            ("true && one == 1 && x", "(true && one == 1) && x"),
            ("\"a\" + \"b\" + one", "(\"a\" + \"b\") + one"),
        ] {
            #expect(try evaluate(chain, event) == evaluate(nested, event), "\(chain)")
        }
        #expect(try compileValid("1 + 2 + 3").constantValue == .int(6))
    }

    /// Deep input shapes: the text opening each level, the innermost value and the text closing each level.
    @Test(arguments: [
        ("(", "one", ")"), ("!", "true", ""), ("- ", "one", ""), ("[", "", "]"), ("lower(", "\"x\"", ")"),
        ("[1, ", "2", "]"), ("{a: ", "1", "}"), ("x[", "0", "]"),
    ])
    func nestingBeyondTheLimitIsOneErrorAtTheTokenThatGoesTooDeep(open: String, inner: String, close: String) throws {
        let levels = 5_000
        let source = String(repeating: open, count: levels) + inner + String(repeating: close, count: levels)
        let errors = try onSmallStack { compileErrors(source) }
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("expression nests more than 100 levels deep") == true)
        // The error points at the bracket, parenthesis or operator that opens level 101.
        let opener = ["lower(": 5, "x[": 1][open] ?? 0
        let offset = open.unicodeScalars.count * ExpressionParser.maximumNesting + opener
        #expect(errors.first?.location?.column == expressionOrigin.column + offset)
    }

    @Test func nestingAtTheLimitCompilesAndEvaluatesOnASmallStack() throws {
        let depth = ExpressionParser.maximumNesting
        let parentheses = String(repeating: "(one + ", count: depth) + "one" + String(repeating: ")", count: depth)
        let negations = String(repeating: "!", count: depth) + "true"
        let calls = String(repeating: "abs(", count: depth) + "one" + String(repeating: ")", count: depth)
        let results = try onSmallStack {
            [try evaluate(parentheses, event), try evaluate(negations, event), try evaluate(calls, event)]
        }
        #expect(results == [.int(Int64(depth + 1)), .bool(true), .int(1)])
    }

    @Test func comparisonsDoNotChain() {
        let errors = compileErrors("one < 2 < 3")
        #expect(
            errors.map(\.message) == [
                "comparisons do not chain: '<' then '<'; write `a < b && b < c`, or use parentheses"
            ])
        #expect(errors.first?.location?.column == expressionOrigin.column + 8)
        #expect(compileErrors("one == 1 != true").count == 1)
        #expect(compileErrors("(one < 2) == true").isEmpty)
    }

    @Test func reportsTheFirstTwentyErrorsAndHowManyMore() {
        let source = Array(repeating: "len(5)", count: 50).joined(separator: " + ")
        let errors = compileErrors(source)
        #expect(errors.count == 21)
        #expect(errors.last?.message == "30 more errors in this expression")
    }

    /// Runs `body` on a thread with a 1 MiB stack, an eighth of the usual 8 MiB, so a recursion that grows with
    /// the input would overflow it (nested calls at the limit take 0.5 to 1 MiB in a debug build, a fraction of
    /// that optimized); returns what `body` returned.
    private func onSmallStack<T>(_ body: @escaping () throws -> T) throws -> T {
        let run = StackRun()
        var result: Result<T, any Error>?
        run.body = { result = Result { try body() } }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 1024 * 1024)
        var thread = pthread_t()
        let created = pthread_create(
            &thread, &attributes,
            { argument in
                Unmanaged<StackRun>.fromOpaque(argument!).takeUnretainedValue().body()
                return nil
            }, Unmanaged.passUnretained(run).toOpaque())
        pthread_attr_destroy(&attributes)
        try #require(created == 0)
        pthread_join(thread, nil)
        return try #require(result).get()
    }
}

/// The body `onSmallStack` runs on its thread.
private final class StackRun: @unchecked Sendable {
    var body: () -> Void = {}
}
