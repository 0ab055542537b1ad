/// The parsed, not yet checked form of an expression. Offsets count Unicode scalars from the start of
/// the source text being parsed.
struct SyntaxNode: Sendable {
    indirect enum Kind: Sendable {
        case literal(Value)
        case array([SyntaxNode])
        case field(FieldPath)
        case unary(UnaryOperator, SyntaxNode)
        /// `operatorOffset` is where the operator is written, where type errors point.
        case binary(BinaryOperator, SyntaxNode, SyntaxNode, operatorOffset: Int)
        /// Two or more operators of one associative precedence group (`a + b - c`, `a && b && c`), applied
        /// from the left: kept flat so a long chain costs no recursion to compile or evaluate.
        case chain(SyntaxNode, [ChainLink])
        case call(name: String, arguments: [SyntaxNode])
        /// `{"key": value, ...}`.
        case object([ObjectEntry])
        /// A value followed by indexes and member reads (`tags[0]`, `parse_json(x).user.id`, `a.b[-1].c`),
        /// kept flat so a long chain costs no recursion.
        case access(SyntaxNode, [AccessStep])
        /// Text that did not parse; the parser has reported it.
        case invalid
    }

    var kind: Kind
    /// The first and one-past-the-last scalar of the node's text.
    var start: Int
    var end: Int
}

/// One operator of a chain and its right operand.
struct ChainLink: Sendable {
    var op: BinaryOperator
    var operand: SyntaxNode
    /// Where the operator is written, where type errors point.
    var operatorOffset: Int
}

/// One `key: value` entry of an object literal.
struct ObjectEntry: Sendable {
    var key: String
    /// Where the key is written, where a duplicate key is reported.
    var keyOffset: Int
    var value: SyntaxNode
}

/// One step of an access chain: `[index]` or `.name`.
struct AccessStep: Sendable {
    enum Kind: Sendable {
        case index(SyntaxNode)
        case member(FieldName)
    }

    var kind: Kind
    /// Where the step's `[` or `.` is written.
    var offset: Int
}

/// `-x` and `!x`.
enum UnaryOperator: String, Sendable {
    case negate = "-"
    case not = "!"
}

/// Infix operators, by precedence group.
enum BinaryOperator: String, Sendable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case `in` = "in"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case integerDivide = "//"
    case remainder = "%"

    /// Higher binds tighter; all groups associate to the left.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual: return 3
        case .less, .lessEqual, .greater, .greaterEqual, .in: return 4
        case .add, .subtract: return 5
        case .multiply, .divide, .integerDivide, .remainder: return 6
        }
    }

    /// True for the groups whose operators chain (`a + b - c`); comparisons do not (`a < b < c` is an error).
    var chains: Bool {
        switch self {
        case .or, .and, .add, .subtract, .multiply, .divide, .integerDivide, .remainder: return true
        default: return false
        }
    }

    /// For a comparison operator, whether it holds given the order of its operands (negative, 0, positive).
    @inline(__always)
    func holds(_ order: Int) -> Bool {
        switch self {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessEqual: return order <= 0
        case .greater: return order > 0
        case .greaterEqual: return order >= 0
        default: preconditionFailure("\(self) is not a comparison operator")
        }
    }
}

/// A problem found while parsing or checking, at a scalar offset into the source.
struct ExpressionError: Sendable {
    var offset: Int
    var message: String
    var suggestion: String?
}

/// A recursive-descent (precedence-climbing) parser over the lexer's tokens.
///
/// After a syntax error it returns `.invalid` nodes and reports no further syntax errors (they would
/// mostly be echoes of the first), but keeps building the tree so the checker can still report unknown
/// functions and type errors in the parts that did parse.
///
/// Recursion is bounded: operators of one precedence group form a flat `.chain` (a sum of 10,000 terms is
/// one node), and nesting — parentheses, brackets, call arguments and unary operators — may go at most
/// `maximumNesting` levels deep. Deeper input is an error at the token that goes too deep, and parsing
/// stops there. The checker and the evaluator recurse along the tree, so the bound holds for them too.
struct ExpressionParser {
    /// The deepest nesting of parentheses, brackets, call arguments and unary operators accepted.
    static let maximumNesting = 100

    private let tokens: [ExpressionToken]
    private var index = 0
    private(set) var errors: [ExpressionError] = []
    private var failed = false
    private var nesting = 0

    /// A parser over `scalars`, where each of `literals` (values from the environment) is one literal.
    init(_ scalars: [Unicode.Scalar], literals: [Range<Int>] = []) {
        tokens = ExpressionLexer.tokenize(scalars, literals: literals)
    }

    /// Parses a whole expression; anything after it is an error.
    mutating func parseComplete() -> SyntaxNode {
        let node = parseExpression()
        expectEnd()
        return node
    }

    /// Reports a syntax error unless the parser already stopped at the end.
    mutating func expectEnd() {
        if current.kind != .end { fail("unexpected \(describe(current)) after the expression") }
    }

    var current: ExpressionToken { tokens[index] }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    mutating func fail(_ message: String, at offset: Int? = nil) {
        guard !failed else { return }
        failed = true
        if case .invalid(let lexMessage) = current.kind, offset == nil {
            errors.append(ExpressionError(offset: current.offset, message: lexMessage))
        } else {
            errors.append(ExpressionError(offset: offset ?? current.offset, message: message))
        }
    }

    mutating func parseExpression(minimumPrecedence: Int = 1) -> SyntaxNode {
        var left = parseUnary()
        while let op = binaryOperator(current), op.precedence >= minimumPrecedence {
            // Every operator of this precedence group up to a looser one, each with its tighter right operand.
            var links: [ChainLink] = []
            while let next = binaryOperator(current), next.precedence == op.precedence {
                let operatorOffset = current.offset
                advance()
                let right = parseExpression(minimumPrecedence: op.precedence + 1)
                links.append(ChainLink(op: next, operand: right, operatorOffset: operatorOffset))
            }
            left = combine(left, links)
        }
        return left
    }

    /// `left` with the operators of `links` applied from the left.
    private mutating func combine(_ left: SyntaxNode, _ links: [ChainLink]) -> SyntaxNode {
        let end = links[links.count - 1].operand.end
        if links.count == 1 {
            let link = links[0]
            return SyntaxNode(
                kind: .binary(link.op, left, link.operand, operatorOffset: link.operatorOffset), start: left.start,
                end: end)
        }
        guard links[0].op.chains else {
            let (first, second) = (links[0], links[1])
            fail(
                "comparisons do not chain: '\(first.op.rawValue)' then '\(second.op.rawValue)'; write "
                    + "`a < b && b < c`, or use parentheses", at: second.operatorOffset)
            return invalid(at: left.start)
        }
        return SyntaxNode(kind: .chain(left, links), start: left.start, end: end)
    }

    /// Enters one level of nesting; false (with an error, and the rest of the input skipped) beyond
    /// `maximumNesting`, so the caller returns without recursing.
    private mutating func enterNesting() -> Bool {
        guard nesting < Self.maximumNesting else {
            if !failed {
                failed = true
                errors.append(
                    ExpressionError(
                        offset: current.offset,
                        message: "expression nests more than \(Self.maximumNesting) levels deep (parentheses, "
                            + "brackets, calls and unary operators); split it into several fields or stages"))
            }
            index = tokens.count - 1
            return false
        }
        nesting += 1
        return true
    }

    private func binaryOperator(_ token: ExpressionToken) -> BinaryOperator? {
        switch token.kind {
        case .symbol(let symbol): return BinaryOperator(rawValue: symbol.rawValue)
        case .identifier("in"): return .in
        default: return nil
        }
    }

    private mutating func parseUnary() -> SyntaxNode {
        let start = current.offset
        let op: UnaryOperator
        switch current.kind {
        case .symbol(.minus): op = .negate
        case .symbol(.not): op = .not
        default: return parsePostfix(parsePrimary())
        }
        guard enterNesting() else { return invalid(at: start) }
        advance()
        let operand = parseUnary()
        nesting -= 1
        // Fold `-5` into a literal so `-9223372036854775807` and `[-1, 2]` are constants.
        if op == .negate, case .literal(let value) = operand.kind {
            switch value {
            case .int(let i): return SyntaxNode(kind: .literal(.int(0 &- i)), start: start, end: operand.end)
            case .double(let d): return SyntaxNode(kind: .literal(.double(-d)), start: start, end: operand.end)
            default: break
            }
        }
        return SyntaxNode(kind: .unary(op, operand), start: start, end: operand.end)
    }

    private mutating func parsePrimary() -> SyntaxNode {
        let token = current
        let end = token.offset + token.text.unicodeScalars.count
        func literal(_ value: Value) -> SyntaxNode {
            advance()
            return SyntaxNode(kind: .literal(value), start: token.offset, end: end)
        }
        switch token.kind {
        case .integer(let i): return literal(.int(i))
        case .float(let d): return literal(.double(d))
        case .string(let s): return literal(.string(s))
        case .identifier("true"): return literal(.bool(true))
        case .identifier("false"): return literal(.bool(false))
        case .identifier("null"): return literal(.null)
        case .identifier("in"), .identifier("where"):
            fail("expected a value, found '\(token.text)'; write `\(token.text)` for a field of that name")
            return invalid(at: token.offset)
        case .identifier(let name):
            advance()
            if current.kind == .symbol(.leftParen) { return parseCall(name: name, start: token.offset) }
            return parsePath(first: name, start: token.offset, end: end)
        case .quotedIdentifier(let name):
            advance()
            return parsePath(first: name, start: token.offset, end: end)
        case .symbol(.leftParen):
            guard enterNesting() else { return invalid(at: token.offset) }
            defer { nesting -= 1 }
            advance()
            var inner = parseExpression()
            inner.start = token.offset
            inner.end = current.offset + 1
            expect(.rightParen, closing: "(")
            return inner
        case .symbol(.leftBracket):
            guard enterNesting() else { return invalid(at: token.offset) }
            defer { nesting -= 1 }
            advance()
            let items = parseList(closing: .rightBracket, openedAt: token.offset)
            return SyntaxNode(kind: .array(items.nodes), start: token.offset, end: items.end)
        case .symbol(.leftBrace):
            guard enterNesting() else { return invalid(at: token.offset) }
            defer { nesting -= 1 }
            advance()
            return parseObject(openedAt: token.offset)
        default:
            fail("expected a value, found \(describe(token))")
            if token.kind != .end { advance() }
            return invalid(at: token.offset)
        }
    }

    private func invalid(at offset: Int) -> SyntaxNode {
        SyntaxNode(kind: .invalid, start: offset, end: offset)
    }

    mutating func parseCall(name: String, start: Int) -> SyntaxNode {
        let open = current.offset
        guard enterNesting() else { return invalid(at: start) }
        defer { nesting -= 1 }
        advance()
        let arguments = parseList(closing: .rightParen, openedAt: open)
        return SyntaxNode(kind: .call(name: name, arguments: arguments.nodes), start: start, end: arguments.end)
    }

    private mutating func parsePath(first: String, start: Int, end: Int) -> SyntaxNode {
        var names = [FieldName(first)]
        var end = end
        while current.kind == .symbol(.dot) {
            advance()
            switch current.kind {
            case .identifier(let name), .quotedIdentifier(let name):
                names.append(FieldName(name))
                end = current.offset + current.text.unicodeScalars.count
                advance()
            default:
                fail("expected a field name after '.', found \(describe(current))")
                return invalid(at: current.offset)
            }
        }
        let path = FieldPath(head: names[0], tail: Array(names.dropFirst()))
        return SyntaxNode(kind: .field(path), start: start, end: end)
    }

    /// `[index]` and `.name` steps after a value, if any, as one flat access node.
    private mutating func parsePostfix(_ base: SyntaxNode) -> SyntaxNode {
        var steps: [AccessStep] = []
        var end = base.end
        while !failed {
            let offset = current.offset
            if current.kind == .symbol(.leftBracket) {
                guard enterNesting() else { return invalid(at: offset) }
                advance()
                let index = parseExpression()
                end = current.offset + 1
                expect(.rightBracket, closing: "[")
                nesting -= 1
                steps.append(AccessStep(kind: .index(index), offset: offset))
            } else if current.kind == .symbol(.dot) {
                advance()
                switch current.kind {
                case .identifier(let name), .quotedIdentifier(let name):
                    end = current.offset + current.text.unicodeScalars.count
                    advance()
                    steps.append(AccessStep(kind: .member(FieldName(name)), offset: offset))
                default:
                    fail("expected a field name after '.', found \(describe(current))")
                    return invalid(at: current.offset)
                }
            } else {
                break
            }
        }
        guard !steps.isEmpty else { return base }
        return SyntaxNode(kind: .access(base, steps), start: base.start, end: end)
    }

    /// The entries of an object literal after its `{`, up to the closing `}`.
    private mutating func parseObject(openedAt open: Int) -> SyntaxNode {
        var entries: [ObjectEntry] = []
        if current.kind == .symbol(.rightBrace) {
            advance()
            return SyntaxNode(kind: .object(entries), start: open, end: open + 2)
        }
        while true {
            let keyToken = current
            let key: String
            switch keyToken.kind {
            case .string(let text), .identifier(let text), .quotedIdentifier(let text): key = text
            default:
                fail("expected a key (a name or a string) in '{ }', found \(describe(keyToken))")
                return invalid(at: keyToken.offset)
            }
            advance()
            guard current.kind == .symbol(.colon) else {
                fail("expected ':' after the key '\(key)', found \(describe(current))")
                return invalid(at: keyToken.offset)
            }
            advance()
            entries.append(ObjectEntry(key: key, keyOffset: keyToken.offset, value: parseExpression()))
            if current.kind == .symbol(.comma) {
                advance()
                continue
            }
            let end = current.offset + 1
            expect(.rightBrace, closing: "{")
            return SyntaxNode(kind: .object(entries), start: open, end: end)
        }
    }

    /// Comma-separated expressions up to `closing`, which the current token has just opened.
    private mutating func parseList(closing: ExpressionSymbol, openedAt open: Int) -> (nodes: [SyntaxNode], end: Int) {
        var nodes: [SyntaxNode] = []
        if current.kind == .symbol(closing) {
            advance()
            return (nodes, open + 2)
        }
        while true {
            nodes.append(parseExpression())
            if current.kind == .symbol(.comma) {
                advance()
                continue
            }
            let end = current.offset + 1
            let opening = closing == .rightParen ? "(" : "["
            expect(closing, closing: opening)
            return (nodes, end)
        }
    }

    private mutating func expect(_ symbol: ExpressionSymbol, closing opening: String) {
        if current.kind == .symbol(symbol) {
            advance()
        } else {
            fail("expected '\(symbol.rawValue)' to close '\(opening)', found \(describe(current))")
        }
    }

    func describe(_ token: ExpressionToken) -> String {
        token.kind == .end ? "the end of the expression" : "'\(token.text)'"
    }
}
