import Testing

@testable import SluiceCore

@Suite struct ExpressionEvaluationTests {
    let event: Event = {
        var event = Event(["value": 5, "category": "books", "price": 2.5, "name": "  Ada  ", "empty": nil])
        event["user"] = .object(Event(["id": 7, "tags": .array(["a", "b"])]))
        event["in"] = "keyword-named"
        event["my field"] = 3
        return event
    }()

    @Test(arguments: [
        ("1 + 2 * 3", Value.int(7)),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("20 / 4 / 5", 1),
        ("7 % 4", 3),
        ("-2 * 3", -6),
        ("- (2 + 3)", -5),
        ("1 + 2 == 3", true),
        ("1 < 2 == true", true),
        ("true || false && false", true),
        ("!false && false", false),
        ("!(false && false)", true),
        ("1 + 1 in [2, 3]", true),
    ])
    func respectsPrecedenceAndAssociativity(source: String, expected: Value) throws {
        #expect(try evaluate(source, event) == expected)
    }

    @Test(arguments: [
        ("value + 1", Value.int(6)),
        ("value - 10", -5),
        ("value * price", 12.5),
        ("value / 2", 2.5),
        ("value / 5", 1),
        ("-value / 2", -2.5),
        ("value // 2", 2),
        ("-value // 2", -2),
        ("7.5 // 2", 3.0),
        ("value // 0", nil),
        ("value / 2.0", 2.5),
        ("value % 3", 2),
        ("price % 1", 0.5),
        ("-price", -2.5),
        ("category + \"!\"", "books!"),
        ("9223372036854775807 + 1", nil),
        ("value / 0", nil),
        ("value % 0", nil),
        ("price / 0", nil),
        ("1e308 * 10.0", nil),
        ("category - 1", nil),
        ("category + 1", nil),
    ])
    func computesArithmetic(source: String, expected: Value) throws {
        #expect(try evaluate(source, event) == expected)
    }

    @Test(arguments: [
        ("value == 5", true),
        ("value == 5.0", true),
        ("value != 5", false),
        ("value < 6", true),
        ("value <= 5", true),
        ("value > 5", false),
        ("value >= 5.0", true),
        ("price > value", false),
        ("category == \"books\"", true),
        ("category < \"c\"", true),
        ("category >= \"books\"", true),
        ("category == value", false),
        ("category < value", false),
        ("category != value", true),
        ("user.tags == [\"a\", \"b\"]", true),
        ("user.id in [1, 7]", true),
        ("user.id in [7.0]", true),
        ("\"b\" in user.tags", true),
        ("value > 1 && category != \"\"", true),
        ("value > 9 || category == \"books\"", true),
    ])
    func compares(source: String, expected: Value) throws {
        #expect(try evaluate(source, event) == expected)
    }

    @Test(arguments: [
        ("null == null", Value.bool(true)),
        ("missing == null", true),
        ("empty == null", true),
        ("value == null", false),
        ("value != null", true),
        ("missing < 1", false),
        ("missing >= 1", false),
        ("missing == 0", false),
        ("missing != 0", true),
        ("missing + 1", nil),
        ("missing * 2.5", nil),
        ("-missing", nil),
        ("!missing", true),
        ("!null", true),
        ("missing && true", false),
        ("missing || true", true),
        ("!(missing || false)", true),
        ("missing in [null]", true),
        ("!value", true),
    ])
    func followsNullRules(source: String, expected: Value) throws {
        #expect(try evaluate(source, event) == expected)
    }

    @Test func readsNestedAndQuotedFieldPaths() throws {
        #expect(try evaluate("user.id", event) == 7)
        #expect(try evaluate("user.missing.deeper", event) == nil)
        #expect(try evaluate("category.length", event) == nil)
        #expect(try evaluate("`in`", event) == "keyword-named")
        #expect(try evaluate("`my field` + 1", event) == 4)
        #expect(try evaluate("`user`.`id`", event) == 7)
    }

    @Test(arguments: [
        (#""a\"b\\c\n\t\u00e9""#, Value.string("a\"b\\c\n\té")),
        ("'single \\'quoted\\''", "single 'quoted'"),
        ("1.5e2", 150.0),
        ("2E-1", 0.2),
        ("[1, \"a\", null, [true]]", .array([1, "a", nil, .array([true])])),
        ("[]", .array([])),
        ("-9223372036854775807 - 1", .int(Int64.min)),
    ])
    func readsLiterals(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test func isTrueOnlyForTheBoolTrue() throws {
        var context = EvaluationContext()
        for (source, expected) in [
            ("true", true), ("1", false), ("\"true\"", false), ("null", false), ("value > 1", true),
        ] {
            #expect(try compileValid(source).isTrue(event, context: &context) == expected, "\(source)")
        }
    }

    @Test func foldsConstantsButNotTheClock() throws {
        #expect(try compileValid("1 + 2 * 3").constantValue == 7)
        #expect(try compileValid("upper(\"a\") + \"b\"").constantValue == "Ab")
        #expect(try compileValid("now()").constantValue == nil)
        #expect(try compileValid("value + 1").constantValue == nil)
    }

    @Test func infersStaticTypes() throws {
        let cases: [(String, ValueType)] = [
            ("1 + 2", .int), ("1 + 2.5", .float), ("value + 1", .number), ("value + value", .any),
            ("value + \"s\"", .string), ("value > 1", .bool), ("lower(category)", .string), ("len(x)", .int),
            ("coalesce(x, 1)", .any), ("coalesce(1, 2.5)", .number), ("if(x, 1, 2)", .int), ("[1]", .array),
            ("user.id", .any), ("null", .null), ("abs(2.5)", .float), ("to_int(x)", .int),
        ]
        for (source, type) in cases {
            #expect(try compileValid(source).staticType == type, "\(source)")
        }
    }

    @Test func comparesEqualBySourceAndFunctionSet() throws {
        #expect(try compileValid("a + 1") == compileValid("a + 1"))
        #expect(try compileValid("a + 1") != compileValid("a + 2"))
        #expect(try compileValid("a + 1") != compileValid("a + 1", functions: .generators))
    }
}

/// `FieldPath` reads dotted paths with backtick-quoted segments, as field lists in stage options do.
@Suite struct FieldPathTests {
    @Test(arguments: [
        ("user.id", ["user", "id"]),
        ("`user.address.city`", ["user.address.city"]),
        ("a.`b.c`.d", ["a", "b.c", "d"]),
        ("`@timestamp`", ["@timestamp"]),
        ("a`b", ["a`b"]),
    ])
    func readsSegments(text: String, names: [String]) throws {
        let path = try #require(FieldPath(text))
        #expect(([path.head] + path.tail).map(\.string) == names)
    }

    @Test(arguments: ["", "a..b", "a.", "`a", "`a`b", "``", "a.``"])
    func rejectsMalformedPaths(text: String) {
        #expect(FieldPath(text) == nil)
    }

    @Test func describesItselfSoItReadsBack() throws {
        for text in ["user.id", "`user.address.city`", "a.`b.c`", "`@x`"] {
            let path = try #require(FieldPath(text))
            #expect(FieldPath(path.description) == path)
        }
        #expect(FieldPath(head: FieldName("a.b")).description == "`a.b`")
    }
}

/// The context counts comparisons of mismatched types and describes the first one once, so a stage
/// logs it once however many batches follow.
@Suite struct TypeMismatchCountingTests {
    @Test func countsEachMismatchAndDescribesTheFirstOnlyOnce() throws {
        let expression = try compileValid(#"status >= "500" || code == 200"#)
        var context = EvaluationContext(seed: 1, clock: .fixed(0))
        for event in [Event(["status": 503, "code": "200"]), Event(["status": "503", "code": 200]), Event()] {
            _ = expression.isTrue(event, context: &context)
        }
        let first = context.takeTypeMismatches()
        #expect(first.count == 2)
        #expect(first.first == #"'status >= "500"' compared int with string"#)
        _ = expression.isTrue(Event(["status": 1, "code": "x"]), context: &context)
        let second = context.takeTypeMismatches()
        #expect(second.count == 2)
        #expect(second.first == nil)
    }

    @Test func orderingAFieldAgainstANumericStringWarnsAtTheOperator() throws {
        let expression = try compileValid(#"status >= "500""#)
        #expect(expression.warnings.all.map(\.severity) == [.warning])
        #expect(expression.warnings.all.first?.location?.column == expressionOrigin.column + 7)
        #expect(try compileValid(#"name >= "m""#).warnings.isEmpty)
        #expect(try compileValid(#"code == "200""#).warnings.isEmpty)
    }

    @Test func aBareWordIsTold() throws {
        #expect(try compileValid("hello").bareWord == "hello")
        #expect(try compileValid("`hello`").bareWord == nil)
        #expect(try compileValid("user.id").bareWord == nil)
        #expect(try compileValid("\"hello\"").bareWord == nil)
    }
}
