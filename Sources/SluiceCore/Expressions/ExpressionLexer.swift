/// One lexical token of an expression; `offset` counts Unicode scalars from the start of the source,
/// which is how YAML columns count.
struct ExpressionToken: Sendable {
    enum Kind: Sendable, Equatable {
        case integer(Int64)
        case float(Double)
        case string(String)
        /// A plain name; also the words `true`, `false`, `null`, `in` and `where`, told apart by the parser.
        case identifier(String)
        /// A name written in backticks, never a keyword or a function.
        case quotedIdentifier(String)
        case symbol(ExpressionSymbol)
        /// Text that is no token; the message says why.
        case invalid(String)
        case end
    }

    var kind: Kind
    var offset: Int
    /// The token as written, for messages.
    var text: String
}

/// Operators and punctuation.
enum ExpressionSymbol: String, Sendable, CaseIterable {
    case plus = "+"
    case minus = "-"
    case star = "*"
    case slashSlash = "//"
    case slash = "/"
    case percent = "%"
    case equal = "=="
    case notEqual = "!="
    case lessEqual = "<="
    case less = "<"
    case greaterEqual = ">="
    case greater = ">"
    case and = "&&"
    case or = "||"
    case not = "!"
    case leftParen = "("
    case rightParen = ")"
    case leftBracket = "["
    case rightBracket = "]"
    case leftBrace = "{"
    case rightBrace = "}"
    case comma = ","
    case colon = ":"
    case dot = "."
}

/// Splits expression source into tokens; errors become `.invalid` tokens so the parser reports them in place.
///
/// `literals` are ranges of the source that came from the environment (`${VAR}`): each is read as one
/// literal value, never as code, so an environment value cannot add operators, calls or field reads.
struct ExpressionLexer {
    private let scalars: [Unicode.Scalar]
    private let literals: [Range<Int>]
    private var nextLiteral = 0
    private var position = 0
    private var tokens: [ExpressionToken] = []

    // Two-character symbols first so `<=` is not read as `<` then `=`; spelled as scalars once, not per token.
    private static let symbols = ExpressionSymbol.allCases.sorted { $0.rawValue.count > $1.rawValue.count }.map {
        (symbol: $0, spelling: Array($0.rawValue.unicodeScalars))
    }

    static func tokenize(_ scalars: [Unicode.Scalar], literals: [Range<Int>] = []) -> [ExpressionToken] {
        var lexer = ExpressionLexer(scalars: scalars, literals: literals)
        lexer.run()
        return lexer.tokens
    }

    private init(scalars: [Unicode.Scalar], literals: [Range<Int>]) {
        self.scalars = scalars
        self.literals = literals.filter { $0.upperBound <= scalars.count }.sorted { $0.lowerBound < $1.lowerBound }
    }

    private mutating func run() {
        while true {
            while position < scalars.count, !atLiteral, scalars[position].properties.isWhitespace { position += 1 }
            let start = position
            if let literal = takeLiteral() {
                tokens.append(
                    ExpressionToken(kind: Self.literalKind(text(literal)), offset: start, text: text(literal)))
                continue
            }
            guard position < scalars.count else {
                tokens.append(ExpressionToken(kind: .end, offset: position, text: "end of expression"))
                return
            }
            let kind = lexToken()
            tokens.append(ExpressionToken(kind: kind.kind, offset: kind.offset ?? start, text: text(start, position)))
        }
    }

    /// True when an environment value starts at the current position: no token may run into it.
    private var atLiteral: Bool {
        nextLiteral < literals.count && literals[nextLiteral].lowerBound == position
    }

    /// The environment value starting at the current position, consumed; `nil` when none starts here.
    private mutating func takeLiteral() -> Range<Int>? {
        guard atLiteral else { return nil }
        let literal = literals[nextLiteral]
        nextLiteral += 1
        position = literal.upperBound
        return literal
    }

    /// An environment value as one literal: a number or `true`/`false`/`null` when it is spelled as one,
    /// otherwise a string.
    private static func literalKind(_ value: String) -> ExpressionToken.Kind {
        if ["true", "false", "null"].contains(value) { return .identifier(value) }
        let isNumeric =
            !value.isEmpty && value.unicodeScalars.allSatisfy { isDigit($0) || "+-.eE".unicodeScalars.contains($0) }
        if isNumeric, let integer = Int64(value) { return .integer(integer) }
        if isNumeric, let number = Double(value), number.isFinite { return .float(number) }
        return .string(value)
    }

    private func text(_ start: Int, _ end: Int) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[start..<end])
        return String(result)
    }

    private func text(_ range: Range<Int>) -> String { text(range.lowerBound, range.upperBound) }

    /// The scalar `ahead` places on, or `nil` at the end or where an environment value starts (a name, a
    /// number or an operator never continues into one).
    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let index = position + ahead
        guard index < scalars.count else { return nil }
        if nextLiteral < literals.count, (position...index).contains(literals[nextLiteral].lowerBound) { return nil }
        return scalars[index]
    }

    /// Lexes one token; `offset` overrides the token's position for an error inside it (a bad escape).
    private mutating func lexToken() -> (kind: ExpressionToken.Kind, offset: Int?) {
        let c = scalars[position]
        if Self.isDigit(c) { return (lexNumber(), nil) }
        if c == "r", let quote = peek(1), quote == "\"" || quote == "'" {
            position += 1
            return lexRawString(quote: quote)
        }
        if Self.isNameStart(c) {
            let start = position
            while let next = peek(), Self.isNameStart(next) || Self.isDigit(next) { position += 1 }
            return (.identifier(text(start, position)), nil)
        }
        if c == "\"" || c == "'" { return lexString(quote: c) }
        if c == "`" { return lexQuotedIdentifier() }
        for (symbol, spelling) in Self.symbols {
            if spelling.count == 1 || peek(spelling.count - 1) != nil, position + spelling.count <= scalars.count,
                scalars[position..<position + spelling.count].elementsEqual(spelling)
            {
                position += spelling.count
                return (.symbol(symbol), nil)
            }
        }
        position += 1
        if c == "=" { return (.invalid("unexpected '='; use '==' to compare"), nil) }
        if c == "&" || c == "|" { return (.invalid("unexpected '\(c)'; use '\(c)\(c)'"), nil) }
        return (.invalid("unexpected character '\(c)'"), nil)
    }

    private mutating func lexNumber() -> ExpressionToken.Kind {
        let start = position
        var isFloat = false
        while let c = peek(), Self.isDigit(c) { position += 1 }
        if peek() == ".", let next = peek(1), Self.isDigit(next) {
            isFloat = true
            position += 1
            while let c = peek(), Self.isDigit(c) { position += 1 }
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "+" || peek(1) == "-" ? 1 : 0
            if let digit = peek(1 + sign), Self.isDigit(digit) {
                isFloat = true
                position += 1 + sign
                while let c = peek(), Self.isDigit(c) { position += 1 }
            }
        }
        let spelling = text(start, position)
        if isFloat {
            guard let value = Double(spelling), value.isFinite else {
                return .invalid("number '\(spelling)' is out of range")
            }
            return .float(value)
        }
        guard let value = Int64(spelling) else { return .invalid("integer '\(spelling)' is out of range") }
        return .integer(value)
    }

    private mutating func lexString(quote: Unicode.Scalar) -> (kind: ExpressionToken.Kind, offset: Int?) {
        let start = position
        position += 1
        var value = String.UnicodeScalarView()
        var badEscape: (message: String, offset: Int)?
        while let c = nextQuotedScalar(appendingLiteralsTo: &value) {
            if c == quote {
                if let badEscape { return (.invalid(badEscape.message), badEscape.offset) }
                return (.string(String(value)), nil)
            }
            guard c == "\\" else {
                value.append(c)
                continue
            }
            let escapeOffset = position - 1
            guard let escaped = peek() else { break }
            position += 1
            switch escaped {
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            case "\\", "\"", "'", "/": value.append(escaped)
            case "u":
                if let scalar = lexUnicodeEscape() {
                    value.append(scalar)
                } else if badEscape == nil {
                    badEscape = ("invalid escape; '\\u' takes four hex digits of a Unicode scalar", escapeOffset)
                }
            default:
                if badEscape == nil {
                    badEscape = (
                        "invalid escape '\\\(escaped)' in string; a raw string such as r\"\\d+\" keeps every "
                            + "backslash (for regular expressions)", escapeOffset
                    )
                }
            }
        }
        return (.invalid("unterminated string; add the closing \(quote)"), start)
    }

    /// `r"..."` or `r'...'`: a string without escapes, for regular expressions (`r"\d+"`); it ends at the
    /// first closing quote.
    private mutating func lexRawString(quote: Unicode.Scalar) -> (kind: ExpressionToken.Kind, offset: Int?) {
        let start = position - 1
        position += 1
        var value = String.UnicodeScalarView()
        while let c = nextQuotedScalar(appendingLiteralsTo: &value) {
            if c == quote { return (.string(String(value)), nil) }
            value.append(c)
        }
        return (.invalid("unterminated raw string; add the closing \(quote)"), start)
    }

    /// The next scalar inside quotes, consumed, after appending to `value` any environment value that
    /// starts here (taken verbatim); `nil` at the end of the source.
    private mutating func nextQuotedScalar(appendingLiteralsTo value: inout String.UnicodeScalarView) -> Unicode.Scalar?
    {
        while let literal = takeLiteral() { value.append(contentsOf: scalars[literal]) }
        guard let c = peek() else { return nil }
        position += 1
        return c
    }

    private mutating func lexUnicodeEscape() -> Unicode.Scalar? {
        guard position + 4 <= scalars.count else { return nil }
        let hex = text(position, position + 4)
        guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else { return nil }
        position += 4
        return scalar
    }

    private mutating func lexQuotedIdentifier() -> (kind: ExpressionToken.Kind, offset: Int?) {
        let start = position
        position += 1
        var spelling = String.UnicodeScalarView()
        while true {
            if let literal = takeLiteral() {
                spelling.append(contentsOf: scalars[literal])
                continue
            }
            guard let c = peek(), c != "`" else { break }
            spelling.append(c)
            position += 1
        }
        guard peek() == "`" else { return (.invalid("unterminated field name; add the closing `"), start) }
        let name = String(spelling)
        position += 1
        if name.isEmpty { return (.invalid("empty field name"), start) }
        return (.quotedIdentifier(name), nil)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }
}
