import SluiceConfig
import SluiceCore
import SluiceGraph

/// Code under fuzzing: its seed inputs, how to mutate (and optionally generate) inputs, and how to run one.
public struct FuzzTarget: Sendable {
    /// The target's name, as `sluice-bench fuzz --target` spells it.
    public let name: String
    /// Valid inputs that mutation starts from.
    public let corpus: [String]
    /// How inputs are changed.
    public let mutator: FuzzMutator
    /// Writes a fresh input, for targets with a grammar worth generating from.
    let generate: (@Sendable (inout SplitMix64) -> String)?
    /// Runs the code under test on one input; true when the input was valid.
    let run: @Sendable (String) -> Bool

    /// The expression parser, checker and evaluator: each input is compiled as an expression (with the
    /// generator functions allowed) and as an aggregate metric call, and what compiles is evaluated against
    /// events holding values at the edges of their types.
    public static func expression() -> FuzzTarget {
        let origin = SourceLocation(file: "fuzz.yaml", line: 1, column: 1)
        let events = expressionEvents
        let generator = ExpressionGenerator()
        let dictionary =
            ExpressionGenerator.binary + ExpressionGenerator.literals + ExpressionGenerator.fields
            + ExpressionGenerator.functions.map { $0.name + "(" }
            + ["(", ")", "[", "]", ",", ".", "!", "`", "\"", "'", "\\", "where", " where x > 1", "((((((((", "))))"]
            + ["//", "{", "}", ":", "r\"", "r'", "[-1]", "[0]", ".a", "%{", "(?P<", "${a}", "$1", "%Y", "%.f"]
        return FuzzTarget(
            name: "expression", corpus: expressionCorpus, mutator: FuzzMutator(dictionary: dictionary),
            generate: { random in generator.expression(using: &random) },
            run: { input in
                _ = Expression.parseCall(input, at: origin)
                guard case .success(let expression) = Expression.compile(input, at: origin, functions: .generators)
                else { return false }
                var context = EvaluationContext(seed: 1, clock: .fixed(1_700_000_000_000))
                for event in events {
                    _ = expression.evaluate(event, context: &context)
                    _ = expression.isTrue(event, context: &context)
                }
                return true
            })
    }

    /// The pipeline loader and graph compiler: each input is loaded as a pipeline file and, when it loads,
    /// compiled against `registry`. `corpus` is valid pipeline files (the repository's `pipelines/*.yaml`);
    /// the examples of every registered stage type are added to it.
    public static func pipeline(registry: StageRegistry, corpus: [String]) -> FuzzTarget {
        let loader = PipelineLoader(environment: ["HOME": "/home/fuzz", "EMPTY": "", "EXPR": "1 || true"])
        let compiler = GraphCompiler(registry: registry)
        let dictionary =
            registry.all.map { "\($0.typeName)/\($0.kind.rawValue)" }.sorted() + ExpressionGenerator.literals + [
                "\n", "\n  ", "\n    ", "- ", ": ", "{", "}", "[", "]", ", ", "&a ", "*a", "<<: *a\n", "!!str ",
                "!!int ",
                "---\n", "...\n", "'", "\"", " #", "|\n", ">-\n", "? ", "%YAML 1.2\n", "${HOME}", "${UNSET}",
                "${EMPTY:-x}", "${EXPR}", "$${", "\t", "\r\n", "\u{FEFF}", "inputs: [", "type: ", "name: ",
                "sources:\n", "transforms:\n", "aggregations:\n", "sinks:\n", "parallelism: 9223372036854775807",
                "window: { type: sliding, size: 10000s, slide: 1ms, time_field: ts }", "size: 0s", "size: 1d",
                "max_groups: 0", "max_memory: 1B", "condition: ", "metrics: { n: count() }",
            ]
        return FuzzTarget(
            name: "pipeline", corpus: corpus + registry.all.map(\.example).sorted(),
            mutator: FuzzMutator(dictionary: dictionary), generate: nil,
            run: { input in
                guard case .success(let definition) = loader.load(text: input, file: "fuzz.yaml") else { return false }
                if case .success = compiler.compile(definition) { return true }
                return false
            })
    }

    /// Events the expression target evaluates against: ordinary values, the edges of int and float, and
    /// deep and large values.
    static let expressionEvents: [Event] = {
        var nested = Value.int(1)
        for _ in 0..<64 { nested = .array([nested]) }
        return [
            Event(),
            Event([
                "value": 5, "price": 2.5, "name": "  Ada  ", "tags": .array(["a", "b"]), "big": .int(.max),
                "small": .int(.min), "nan": .double(.nan), "tz": "America/New_York",
                "line": "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326",
                "user": .object(Event(["id": 7, "roles": .array(["admin"])])),
            ]),
            Event([
                "value": .double(.infinity), "price": .double(-.greatestFiniteMagnitude),
                "name": .string(
                    String(
                        repeating: "é😀", count: 5_000)), "tags": nested, "big": 1e308, "small": -0.0, "nan": nil,
                "user": .object(Event(["id": .int(.min)])), "line": .string(String(repeating: "x", count: 20_000)),
                "tz": "+99:99",
            ]),
        ]
    }()

    /// Valid expressions covering the syntax, from the documentation's examples.
    static let expressionCorpus = [
        #"parse_regex(line, r"^(?P<ip>\S+) (?P<rest>.*)$").ip"#, #"parse_grok(line, "%{COMMONAPACHELOG}")"#,
        #"format_timestamp(value, "%F %T %Z", "Europe/Berlin")"#, #"parse_timestamp(name, "%Y-%m-%d", tz)"#,
        #"case(value > 1, {a: tags[-1]}, value > 0, [1, 2][0], null)"#, #"replace(name, r"\s+", "_$0")"#,
        #"format("%05d %s %.2f", value, name, price)"#, "value // 2 + round(price, 1) + max(value, price, 1)",
        #"parse_kv("a=1 b=\"x\"").b"#, #"split(join(tags, ","), ",", 2)[1]"#, "hash(user.id) % 100 < 10",
        "value >= 1 && category != \"\"", "price * quantity", "if(total > 100, \"large\", \"small\")",
        "substr(to_string(ts), 0, 8)", "`@timestamp` > 0", "user.`first name` == \"Ada\"", "x in [1, 2, 3]",
        "\"admin\" in roles", "lower(trim(name))", "coalesce(a, b, 0) + 1", "count() where status == \"error\"",
        "percentile(latency_ms, 0.99)", "-value % 3 / 2", "!(a || b) && exists(user.id)",
        "concat(name, \"-\", to_int(\"12.7\"))", "choice([\"a\", \"b\"])", "uniform_int(1, 6) + sequence()",
        "abs(value) + round(price) - floor(1.5) * ceil(2.1)", "starts_with(name, \"A\") || ends_with(name, \"z\")",
        "len(tags) > 0 && contains(tags, \"a\")", "to_float(value) / 0", "9223372036854775807 + 1",
    ]
}
