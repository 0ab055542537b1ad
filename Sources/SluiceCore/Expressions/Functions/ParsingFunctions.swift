extension BuiltinFunctions {
    /// Functions that take text apart: regular expressions (RE2), grok, JSON, key-value pairs and CSV.
    /// Patterns are string literals, compiled when the pipeline compiles; a bad one is an error there.
    static let parsingFunctions: [BuiltinFunction] = [
        BuiltinFunction("parse_regex", [Self.text, Self.text], returns: .object) { call in
            guard let regex = call.regex(1) else { return { _, _ in .null } }
            if regex.namedGroups.isEmpty {
                call.reject(
                    argument: 1,
                    "the pattern has no named group (?P<name>…) to put in the result; match() tests a pattern")
            }
            return stringFunction(call) { text in regex.namedCaptures(in: text).map(Value.object) ?? .null }
        },
        BuiltinFunction("match", [Self.text, Self.text], returns: .bool) { call in
            guard let regex = call.regex(1) else { return { _, _ in .null } }
            return stringFunction(call) { .bool(regex.matches($0)) }
        },
        BuiltinFunction("replace", [Self.text, Self.text, Self.text], returns: .string) { call in
            guard let regex = call.regex(1) else { return { _, _ in .null } }
            let (value, replacement) = (call.arguments[0].evaluate, call.arguments[2].evaluate)
            if let constant = call.optionalConstantString(2) {
                switch ReplacementTemplate.rewrite(constant, for: regex) {
                case .failure(let problem):
                    call.reject(argument: 2, problem.message)
                    return { _, _ in .null }
                case .success(let rewrite):
                    return { event, context in
                        guard case .string(let text) = value(event, &context) else { return .null }
                        return regex.replacingAll(in: text, with: rewrite).map(Value.string) ?? .null
                    }
                }
            }
            return { event, context in
                guard case .string(let text) = value(event, &context),
                    case .string(let template) = replacement(event, &context),
                    case .success(let rewrite) = ReplacementTemplate.rewrite(template, for: regex)
                else { return .null }
                return regex.replacingAll(in: text, with: rewrite).map(Value.string) ?? .null
            }
        },
        BuiltinFunction("parse_grok", [Self.text, Self.text], returns: .object) { call in
            guard let grok = call.compiledConstant(1, "pattern", GrokPattern.compile, describe: \.message) else {
                return { _, _ in .null }
            }
            return stringFunction(call) { grok.parse($0).map(Value.object) ?? .null }
        },
        BuiltinFunction("parse_json", [Self.text], returns: .any) { call in
            stringFunction(call) { text in
                var reader = JSONReader()
                return (try? reader.readValue(text)) ?? .null
            }
        },
        BuiltinFunction("parse_kv", [Self.text, Self.text, Self.text], minimum: 1, returns: .object) { call in
            let evaluators = call.evaluators
            return { event, context in
                guard case .string(let text) = evaluators[0](event, &context) else { return .null }
                var separators = (field: " ", keyValue: "=")
                if evaluators.count > 1 {
                    guard case .string(let given) = evaluators[1](event, &context) else { return .null }
                    separators.field = given
                }
                if evaluators.count > 2 {
                    guard case .string(let given) = evaluators[2](event, &context) else { return .null }
                    separators.keyValue = given
                }
                guard
                    let parser = KeyValueText(fieldSeparator: separators.field, keyValueSeparator: separators.keyValue)
                else { return .null }
                return .object(parser.parse(text))
            }
        },
        BuiltinFunction("parse_csv", [Self.text, Self.text], minimum: 1, returns: .array) { call in
            var delimiter = UInt8(ascii: ",")
            if call.arguments.count > 1 {
                guard let text = call.constantString(1, "delimiter") else { return { _, _ in .null } }
                guard text.utf8.count == 1, let byte = text.utf8.first, byte != UInt8(ascii: "\"") else {
                    call.reject(argument: 1, "the delimiter of parse_csv() must be one ASCII character other than '\"'")
                    return { _, _ in .null }
                }
                delimiter = byte
            }
            let separator = delimiter
            return stringFunction(call) { text in csvRecord(text, delimiter: separator) }
        },
    ]

    /// An evaluator applying `body` to the first argument when it is a string (null otherwise).
    private static func stringFunction(_ call: FunctionCall, _ body: @escaping @Sendable (String) -> Value)
        -> Evaluator
    {
        let argument = call.arguments[0].evaluate
        return { event, context in
            guard case .string(let text) = argument(event, &context) else { return .null }
            return body(text)
        }
    }

    /// The cells of the one CSV record `text` (its quoted cells may hold newlines), as strings; null
    /// when a quote is never closed or text follows a closing quote.
    private static func csvRecord(_ text: String, delimiter: UInt8) -> Value {
        var parser = CSVRecordParser(delimiter: delimiter)
        var text = text
        let result = text.withUTF8 { parser.parse(UnsafeRawBufferPointer($0)) }
        guard case .complete = result else { return .null }
        return .array(
            (0..<parser.cellCount).map { index in
                .string(parser.withCell(index) { String(decoding: $0, as: UTF8.self) })
            })
    }
}

extension FunctionCall {
    /// The regular expression that argument `index`, a string literal, compiles to; `nil` with a problem
    /// reported when it is not a literal or does not compile.
    mutating func regex(_ index: Int) -> RegexPattern? {
        compiledConstant(index, "pattern", RegexPattern.compile) { "the pattern does not compile: \($0.message)" }
    }
}

/// The replacement text of `replace()`: `$1` to `$9` (and `$0`, the whole match) or `${name}` insert a
/// group, `$$` is a dollar sign; everything else is literal. Translated to RE2's rewrite form.
enum ReplacementTemplate {
    /// Why a replacement cannot be used with a pattern.
    struct Problem: Error {
        var message: String
    }

    static func rewrite(_ template: String, for regex: RegexPattern) -> Result<String, Problem> {
        var rewrite = ""
        var scalars = template.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\\": rewrite += "\\\\"
            case "$":
                guard let next = scalars.popFirst() else {
                    return .failure(Problem(message: "the replacement ends with '$'; write $$ for a dollar sign"))
                }
                if next == "$" {
                    rewrite += "$"
                } else if next.properties.numericType != nil, next.isASCII {
                    rewrite += "\\\(next)"
                } else if next == "{", let close = scalars.firstIndex(of: "}") {
                    let name = String(String.UnicodeScalarView(scalars[..<close]))
                    scalars = scalars[scalars.index(after: close)...]
                    guard let group = Int(name) ?? regex.namedGroups.first(where: { $0.name == name })?.index else {
                        return .failure(
                            Problem(message: "the replacement names '${\(name)}', which is no group of the pattern"))
                    }
                    guard group <= 9 else {
                        return .failure(
                            Problem(message: "the replacement can insert groups 0 to 9; '${\(name)}' is group \(group)")
                        )
                    }
                    rewrite += "\\\(group)"
                } else {
                    return .failure(
                        Problem(
                            message: "a '$' in the replacement starts a group ($1, ${name}); write $$ for a dollar sign"
                        ))
                }
            default: rewrite.unicodeScalars.append(scalar)
            }
        }
        if let problem = regex.check(rewrite: rewrite) {
            return .failure(Problem(message: "the replacement does not fit the pattern: \(problem.message)"))
        }
        return .success(rewrite)
    }
}
