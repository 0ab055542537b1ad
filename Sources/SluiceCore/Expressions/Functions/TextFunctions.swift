extension BuiltinFunctions {
    /// Functions on strings: case, trimming, searching, slicing, splitting and joining, formatting.
    static let textFunctions: [BuiltinFunction] = [
        unary("lower", Self.text, result: .string) { value in
            value.stringValue.map { .string($0.lowercased()) } ?? .null
        },
        unary("upper", Self.text, result: .string) { value in
            value.stringValue.map { .string($0.uppercased()) } ?? .null
        },
        unary("trim", Self.text, result: .string) { value in
            value.stringValue.map { .string(trimmed($0)) } ?? .null
        },
        unary("len", [.string, .array], result: .int) { value in
            switch value {
            case .string(let s): return .int(Int64(s.count))
            case .array(let items): return .int(Int64(items.count))
            default: return .null
            }
        },
        binary("contains", [.string, .array], anything, result: .bool) { haystack, needle in
            switch (haystack, needle) {
            case (.string(let s), .string(let sub)): return .bool(s.contains(sub))
            case (.array, _): return .bool(ValueSemantics.isMember(needle, of: haystack))
            default: return .null
            }
        },
        stringPredicate("starts_with") { $0.hasPrefix($1) },
        stringPredicate("ends_with") { $0.hasSuffix($1) },
        BuiltinFunction("concat", [anything], variadic: true, returns: .string) { call in
            let evaluators = call.evaluators
            return { event, context in
                var result = ""
                for evaluate in evaluators {
                    if let text = ValueSemantics.text(of: evaluate(event, &context)) { result += text }
                }
                return .string(result)
            }
        },
        BuiltinFunction("substr", [Self.text, [.int], [.int]], minimum: 2, returns: .string) { call in
            let evaluators = call.evaluators
            return { event, context in
                guard case .string(let s) = evaluators[0](event, &context),
                    case .int(let start) = evaluators[1](event, &context),
                    let length = optionalInt(evaluators, 2, default: .max, event, &context)
                else { return .null }
                return .string(substring(s, start: start, length: length))
            }
        },
        BuiltinFunction("split", [Self.text, Self.text, [.int]], minimum: 2, returns: .array) { call in
            let evaluators = call.evaluators
            return { event, context in
                guard case .string(let s) = evaluators[0](event, &context),
                    case .string(let separator) = evaluators[1](event, &context),
                    let limit = optionalInt(evaluators, 2, default: .max, event, &context), limit > 0
                else { return .null }
                return .array(split(s, by: separator, limit: limit).map { .string(String($0)) })
            }
        },
        binary("join", [.array], Self.text, result: .string) { list, separator in
            guard case .array(let items) = list, case .string(let separator) = separator else { return .null }
            return .string(items.compactMap(ValueSemantics.text(of:)).joined(separator: separator))
        },
        binary("index_of", [.string, .array], anything, result: .int) { haystack, needle in
            switch (haystack, needle) {
            case (.string(let s), .string(let sub)):
                guard let range = s.firstRange(of: sub) else { return .int(-1) }
                return .int(Int64(s.distance(from: s.startIndex, to: range.lowerBound)))
            case (.array(let items), _):
                return .int(items.firstIndex { ValueSemantics.equals($0, needle) }.map(Int64.init) ?? -1)
            default: return .null
            }
        },
        BuiltinFunction("format", [Self.text, anything], minimum: 1, variadic: true, returns: .string) { call in
            guard let format = call.compiledConstant(0, "format", FormatString.parse, describe: \.message) else {
                return { _, _ in .null }
            }
            let values = Array(call.arguments.dropFirst())
            if values.count != format.directives.count {
                call.reject(
                    argument: 0,
                    "the format has \(format.directives.count) directives but format() got \(values.count) values")
            }
            for (index, (value, directive)) in zip(values, format.directives).enumerated()
            where value.type != .null && !directive.accepts.contains(where: value.type.canBe) {
                call.reject(argument: index + 1, "'\(directive.spelling)' needs a number, found \(value.type)")
            }
            let evaluators = values.map(\.evaluate)
            return { event, context in
                var arguments: [Value] = []
                arguments.reserveCapacity(evaluators.count)
                for evaluate in evaluators { arguments.append(evaluate(event, &context)) }
                return format.render(arguments).map(Value.string) ?? .null
            }
        },
    ]

    /// Optional int argument `index`: `fallback` when the call has none, `nil` when its value is no int.
    private static func optionalInt(
        _ evaluators: [Evaluator], _ index: Int, default fallback: Int64, _ event: Event,
        _ context: inout EvaluationContext
    ) -> Int64? {
        guard index < evaluators.count else { return fallback }
        guard case .int(let value) = evaluators[index](event, &context) else { return nil }
        return value
    }

    /// A function of two strings giving a bool (null when either is not a string).
    private static func stringPredicate(
        _ name: String, _ body: @escaping @Sendable (String, String) -> Bool
    ) -> BuiltinFunction {
        binary(name, Self.text, Self.text, result: .bool) { a, b in
            guard case .string(let x) = a, case .string(let y) = b else { return .null }
            return .bool(body(x, y))
        }
    }

    static func trimmed(_ s: String) -> String {
        guard let first = s.firstIndex(where: { !$0.isWhitespace }),
            let last = s.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(s[first...last])
    }

    /// Up to `length` characters starting at character `start` (counted from 0; a negative start counts
    /// from the end), clamped to the string.
    static func substring(_ s: String, start: Int64, length: Int64) -> String {
        let count = Int64(s.count)
        let from = start < 0 ? max(0, count + start) : min(start, count)
        let taken = max(0, min(length, count - from))
        let lower = s.index(s.startIndex, offsetBy: Int(from))
        return String(s[lower..<s.index(lower, offsetBy: Int(taken))])
    }

    /// `s` cut at each `separator` into at most `limit` pieces (the last holds the rest); an empty
    /// separator cuts between characters.
    static func split(_ s: String, by separator: String, limit: Int64) -> [Substring] {
        let maxSplits = Int(clamping: limit - 1)
        guard separator.isEmpty else {
            return s.split(separator: separator, maxSplits: maxSplits, omittingEmptySubsequences: false)
        }
        var pieces: [Substring] = []
        var rest = s[...]
        while pieces.count < maxSplits, let first = rest.indices.first, rest.index(after: first) < rest.endIndex {
            pieces.append(rest[first...first])
            rest = rest[rest.index(after: first)...]
        }
        if !rest.isEmpty || pieces.isEmpty { pieces.append(rest) }
        return pieces
    }
}
