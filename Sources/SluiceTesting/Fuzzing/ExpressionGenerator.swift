/// Writes random expressions in the expression language: every operator, literal kind and function, nested
/// up to a depth that sometimes passes the parser's limit.
public struct ExpressionGenerator: Sendable {
    /// Field names the expressions read, matching the fields of `FuzzTargets.expressionEvents`.
    static let fields = ["value", "price", "name", "tags", "user.id", "big", "small", "nan", "missing", "`in`"]
    static let functions: [(name: String, arity: Int)] = [
        ("lower", 1), ("upper", 1), ("trim", 1), ("len", 1), ("exists", 1), ("coalesce", 2), ("to_int", 1),
        ("to_float", 1), ("to_string", 1), ("round", 1), ("floor", 1), ("ceil", 1), ("abs", 1), ("contains", 2),
        ("starts_with", 2), ("ends_with", 2), ("concat", 3), ("substr", 3), ("if", 3), ("now", 0), ("sequence", 0),
        ("choice", 1), ("uniform", 2), ("uniform_int", 2), ("nope", 1),
    ]
    static let literals = [
        "0", "1", "-1", "9223372036854775807", "-9223372036854775807", "9223372036854775808", "2.5", "1e308",
        "1e-320", "\"text\"", "'é😀'", "\"\"", "\"\\u0041\"", "true", "false", "null", "[]", "[1, \"a\", null]",
    ]
    static let binary = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"]

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
        switch Int.random(in: 0..<6, using: &random) {
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
                write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            }
            text += ")"
        case 3:
            text += "["
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            text += ", "
            write(depth: 0, budget: &budget, into: &text, using: &random)
            text += "]"
        default:
            write(depth: depth - 1, budget: &budget, into: &text, using: &random)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                text += " " + Self.binary.randomElement(using: &random)! + " "
                write(depth: random.chance(70) ? 0 : depth - 1, budget: &budget, into: &text, using: &random)
            }
        }
    }
}
