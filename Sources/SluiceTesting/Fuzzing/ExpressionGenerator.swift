/// Writes random expressions in the expression language: every operator, literal kind and function, nested
/// up to a depth that sometimes passes the parser's limit.
public struct ExpressionGenerator: Sendable {
    /// Field names the expressions read, matching the fields of `FuzzTargets.expressionEvents`.
    static let fields = [
        "value", "price", "name", "tags", "user.id", "big", "small", "nan", "missing", "`in`", "line", "tz",
        "user.roles[0]", "tags[-1]",
    ]
    /// Functions and their argument counts; the pools give arguments that must be literals (patterns,
    /// formats, zones), good and bad, which the generator picks most of the time.
    static let functions: [(name: String, arity: Int, pools: [Int: [String]])] = [
        ("lower", 1, [:]), ("upper", 1, [:]), ("trim", 1, [:]), ("len", 1, [:]), ("exists", 1, [:]),
        ("coalesce", 2, [:]), ("to_int", 1, [:]), ("to_float", 1, [:]), ("to_string", 1, [:]), ("round", 1, [:]),
        ("round", 2, [:]), ("floor", 1, [:]), ("ceil", 1, [:]), ("abs", 1, [:]), ("contains", 2, [:]),
        ("starts_with", 2, [:]), ("ends_with", 2, [:]), ("concat", 3, [:]), ("substr", 3, [:]), ("if", 3, [:]),
        ("now", 0, [:]), ("sequence", 0, [:]), ("choice", 1, [:]), ("uniform", 2, [:]), ("uniform_int", 2, [:]),
        ("nope", 1, [:]), ("split", 3, [1: separators]), ("join", 2, [1: separators]), ("index_of", 2, [:]),
        ("format", 3, [0: formats]), ("min", 2, [:]), ("max", 3, [:]), ("min", 1, [:]), ("pow", 2, [:]),
        ("sqrt", 1, [:]), ("log", 1, [:]), ("log10", 1, [:]), ("exp", 1, [:]), ("to_bool", 1, [:]),
        ("type_of", 1, [:]), ("is_string", 1, [:]), ("is_int", 1, [:]), ("is_float", 1, [:]), ("is_null", 1, [:]),
        ("is_bool", 1, [:]), ("is_array", 1, [:]), ("is_object", 1, [:]), ("case", 3, [:]), ("case", 5, [:]),
        ("case", 4, [:]), ("hash", 1, [:]), ("hash", 2, [1: ["\"fnv1a\"", "\"md5\""]]), ("random", 0, [:]),
        ("random_int", 2, [:]), ("parse_regex", 2, [1: patterns]), ("match", 2, [1: patterns]),
        ("replace", 3, [1: patterns, 2: replacements]), ("parse_grok", 2, [1: grokPatterns]),
        ("parse_json", 1, [:]), ("parse_kv", 1, [:]), ("parse_kv", 3, [1: separators, 2: separators]),
        ("parse_csv", 1, [:]), ("parse_csv", 2, [1: separators]),
        ("parse_timestamp", 3, [1: timeFormats, 2: zones]), ("format_timestamp", 3, [1: timeFormats, 2: zones]),
    ]
    static let patterns = [
        #"r"(?P<a>\w+)""#, #"r"^(?P<x>(a+)+)$""#, #"r"(?P<n>\d+)\.(?P<m>\d*)""#, "\"(\"", #"r"(a)\1""#,
        #"r"(?P<é>.)""#, #"r"[[:alpha:]]+""#, "\".*\"", #"r"(?P<a>x)|(?P<b>y)""#, "\"\"",
    ]
    static let grokPatterns = [
        "\"%{COMBINEDAPACHELOG}\"", "\"%{IP:ip} %{NUMBER:n:int}\"", "\"%{SYSLOGLINE}\"", "\"%{NOPE}\"",
        "\"%{WORD:w:long}\"", "\"%{\"", "\"%{SYSLOG5424LINE}\"", "\"%{DATA:a}%{GREEDYDATA:b}\"",
    ]
    static let timeFormats = [
        "\"%Y-%m-%d %H:%M:%S%.f%z\"", "\"%s\"", "\"%b %e %T\"", "\"%q\"", "\"%\"", "\"%D %I %p %Z %j %u %w %:z\"",
        "\"%F %R %f\"",
    ]
    static let zones = ["\"Europe/Berlin\"", "\"+05:30\"", "\"UTC\"", "\"../x\"", "\"Nowhere\"", "tz", "\"-2400\""]
    static let formats = [
        "\"%s|%05d\"", "\"%-8.3f %x\"", "\"%e%%%X\"", "\"%1000.1000f %s\"", "\"%q %s\"", "\"%+d %.0s\"",
    ]
    static let replacements = ["\"$1\"", "\"${a}\"", "\"$$\"", "\"\\\\\"", "\"$\"", "\"$9\"", "\"${x\""]
    static let separators = ["\",\"", "\"\"", "\" \"", "\"==\"", "\";\"", "\"\\\"\""]
    static let literals = [
        "0", "1", "-1", "9223372036854775807", "-9223372036854775807", "9223372036854775808", "2.5", "1e308",
        "1e-320", "\"text\"", "'é😀'", "\"\"", "\"\\u0041\"", "true", "false", "null", "[]", "[1, \"a\", null]",
        #"r"\d+""#, "{}", "{\"k\": 1, b: [2]}", "\"a=1 b=\\\"x y\\\"\"", "\"x,\\\"y\\\"\"",
        "\"{\\\"a\\\": [1]}\"",
    ]
    static let binary = ["+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"]

    /// The deepest nesting generated; a little beyond the parser's limit, so both sides of it are exercised.
    public let maximumDepth: Int

    /// A generator nesting at most `maximumDepth` levels.
    public init(maximumDepth: Int = 120) {
        self.maximumDepth = maximumDepth
    }

    /// One random expression.
    public func expression(using random: inout SplitMix64) -> String {
        let depth = random.chance(10) ? maximumDepth : Int.random(in: 1...8, using: &random)
        var text = ""
        var budget = 2_000
        write(depth: depth, budget: &budget, into: &text, using: &random)
        return text
    }

    /// Writes one node nesting at most `depth` levels; `budget` (nodes left) keeps wide trees small.
    private func write(depth: Int, budget: inout Int, into text: inout String, using random: inout SplitMix64) {
        budget -= 1
        guard depth > 0, budget > 0 else {
            text +=
                random.chance(50)
                ? Self.fields.randomElement(using: &random)! : Self.literals.randomElement(using: &random)!
            return
        }
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            text += "("
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            text += ")"
        case 1:
            text += random.chance(50) ? "!" : "-"
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
        case 2:
            let function = Self.functions.randomElement(using: &random)!
            text += function.name + "("
            for index in 0..<function.arity {
                if index > 0 { text += ", " }
                if let pool = function.pools[index], random.chance(80) {
                    text += pool.randomElement(using: &random)!
                } else {
                    write(depth: depth - 1, budget: &budget, into: &text, using: &random)
                }
            }
            text += ")"
        case 5:
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            if random.chance(50) {
                text += "["
                write(depth: depth - 1, budget: &budget, into: &text, using: &random)
                text += "]"
            } else {
                text += random.chance(50) ? ".id" : ".`in`"
            }
        case let kind where kind == 3 || kind == 6:
            // An array, or an object with the same two values.
            let object = kind == 6
            text += object ? "{a: " : "["
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            text += object ? ", \"b\": " : ", "
            write(depth: 0, budget: &budget, into: &text, using: &random)
            text += object ? "}" : "]"
        default:
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                text += " " + Self.binary.randomElement(using: &random)! + " "
                write(depth: random.chance(70) ? 0 : depth - 1, budget: &budget, into: &text, using: &random)
            }
        }
    }
}
