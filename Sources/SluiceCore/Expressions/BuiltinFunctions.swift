import Synchronization

/// One function callable from expressions: its signature (checked at compile time) and how it builds
/// an evaluator from its compiled arguments.
struct BuiltinFunction: Sendable {
    let name: String
    /// The types each argument may have; when `isVariadic`, the last entry covers every further argument.
    let parameters: [[ValueType]]
    let minimumArguments: Int
    let isVariadic: Bool
    /// Generator functions are only available in a `FunctionSet` that allows them.
    let isGenerator: Bool
    /// Pure functions of constant arguments are folded at compile time.
    let isPure: Bool
    let resultType: @Sendable ([CompiledNode]) -> ValueType
    /// Builds the evaluator; `site` identifies the call site (for `sequence()`).
    let build: @Sendable (_ arguments: [CompiledNode], _ site: Int) -> Evaluator

    init(
        _ name: String, _ parameters: [[ValueType]], minimum: Int? = nil, variadic: Bool = false,
        generator: Bool = false, result: @escaping @Sendable ([CompiledNode]) -> ValueType,
        build: @escaping @Sendable ([CompiledNode], Int) -> Evaluator
    ) {
        self.name = name
        self.parameters = parameters
        minimumArguments = minimum ?? parameters.count
        isVariadic = variadic
        isGenerator = generator
        isPure = !generator && name != "now"
        resultType = result
        self.build = build
    }

    /// The accepted argument count, as messages spell it.
    var arityDescription: String {
        func plural(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }
        if isVariadic { return "at least \(plural(minimumArguments))" }
        if minimumArguments == parameters.count { return plural(minimumArguments) }
        return "\(minimumArguments) to \(plural(parameters.count))"
    }

    func accepts(argumentCount count: Int) -> Bool {
        count >= minimumArguments && (isVariadic || count <= parameters.count)
    }

    func parameterTypes(at index: Int) -> [ValueType] {
        parameters[min(index, parameters.count - 1)]
    }
}

/// The built-in function table.
enum BuiltinFunctions {
    static let all: [String: BuiltinFunction] = Dictionary(
        uniqueKeysWithValues: (standard + generators).map { ($0.name, $0) })

    /// Call-site ids for `sequence()`, unique in the process so the counters of different expressions
    /// sharing one context never collide.
    private static let nextSite = Atomic<Int>(0)

    static func newSite() -> Int {
        nextSite.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    private static let numeric: [ValueType] = [.number]
    private static let text: [ValueType] = [.string]
    private static let anything: [ValueType] = [.any]

    /// A function of one argument that maps a value to a value.
    private static func unary(
        _ name: String, _ accepted: [ValueType], result: ValueType, _ body: @escaping @Sendable (Value) -> Value
    ) -> BuiltinFunction {
        BuiltinFunction(name, [accepted], result: { _ in result }) { arguments, _ in
            let argument = arguments[0].evaluate
            return { event, context in body(argument(event, &context)) }
        }
    }

    /// A function of two strings giving a bool (null when either is not a string).
    private static func stringPredicate(
        _ name: String, _ body: @escaping @Sendable (String, String) -> Bool
    ) -> BuiltinFunction {
        BuiltinFunction(name, [text, text], result: { _ in .bool }) { arguments, _ in
            let (a, b) = (arguments[0].evaluate, arguments[1].evaluate)
            return { event, context in
                guard case .string(let x) = a(event, &context), case .string(let y) = b(event, &context) else {
                    return .null
                }
                return .bool(body(x, y))
            }
        }
    }

    /// Rounds a number to an int with `rule`; null when not a number or out of the int range.
    private static func rounding(_ name: String, _ rule: FloatingPointRoundingRule) -> BuiltinFunction {
        unary(name, numeric, result: .int) { value in
            switch value {
            case .int: return value
            case .double(let d): return Int64(exactly: d.rounded(rule)).map(Value.int) ?? .null
            default: return .null
            }
        }
    }

    private static func union(_ arguments: ArraySlice<CompiledNode>) -> ValueType {
        arguments.dropFirst().reduce(arguments.first?.type ?? .null) { $0.union($1.type) }
    }

    static let standard: [BuiltinFunction] = [
        BuiltinFunction("now", [], result: { _ in .int }) { _, _ in
            { _, context in .int(context.clock.milliseconds()) }
        },
        unary("lower", text, result: .string) { value in
            value.stringValue.map { .string($0.lowercased()) } ?? .null
        },
        unary("upper", text, result: .string) { value in
            value.stringValue.map { .string($0.uppercased()) } ?? .null
        },
        unary("trim", text, result: .string) { value in
            value.stringValue.map { .string(trimmed($0)) } ?? .null
        },
        unary("len", [.string, .array], result: .int) { value in
            switch value {
            case .string(let s): return .int(Int64(s.count))
            case .array(let items): return .int(Int64(items.count))
            default: return .null
            }
        },
        // `exists` takes a field path, not a value; the compiler builds it (see ExpressionCompiler).
        BuiltinFunction("exists", [anything], result: { _ in .bool }) { _, _ in
            preconditionFailure("exists() is compiled by ExpressionCompiler")
        },
        BuiltinFunction("coalesce", [anything], variadic: true, result: { union($0[...]) }) { arguments, _ in
            let evaluators = arguments.map(\.evaluate)
            return { event, context in
                for evaluate in evaluators {
                    let value = evaluate(event, &context)
                    if !value.isNull { return value }
                }
                return .null
            }
        },
        unary("to_int", anything, result: .int, ValueConversions.toInt),
        unary("to_float", anything, result: .float, ValueConversions.toFloat),
        unary("to_string", anything, result: .string) { value in
            ValueSemantics.text(of: value).map(Value.string) ?? .null
        },
        rounding("round", .toNearestOrAwayFromZero),
        rounding("floor", .down),
        rounding("ceil", .up),
        BuiltinFunction("abs", [numeric], result: { $0[0].type == .any ? .number : $0[0].type }) { arguments, _ in
            let argument = arguments[0].evaluate
            return { event, context in
                switch argument(event, &context) {
                case .int(let i): return i < 0 ? ValueSemantics.negate(.int(i)) : .int(i)
                case .double(let d): return .double(Swift.abs(d))
                default: return .null
                }
            }
        },
        BuiltinFunction("contains", [[.string, .array], anything], result: { _ in .bool }) { arguments, _ in
            let (a, b) = (arguments[0].evaluate, arguments[1].evaluate)
            return { event, context in
                let haystack = a(event, &context)
                let needle = b(event, &context)
                switch (haystack, needle) {
                case (.string(let s), .string(let sub)): return .bool(s.contains(sub))
                case (.array, _): return .bool(ValueSemantics.isMember(needle, of: haystack))
                default: return .null
                }
            }
        },
        stringPredicate("starts_with") { $0.hasPrefix($1) },
        stringPredicate("ends_with") { $0.hasSuffix($1) },
        BuiltinFunction("concat", [anything], variadic: true, result: { _ in .string }) { arguments, _ in
            let evaluators = arguments.map(\.evaluate)
            return { event, context in
                var result = ""
                for evaluate in evaluators {
                    if let text = ValueSemantics.text(of: evaluate(event, &context)) { result += text }
                }
                return .string(result)
            }
        },
        BuiltinFunction("substr", [text, [.int], [.int]], minimum: 2, result: { _ in .string }) { arguments, _ in
            let evaluators = arguments.map(\.evaluate)
            return { event, context in
                guard case .string(let s) = evaluators[0](event, &context),
                    case .int(let start) = evaluators[1](event, &context)
                else { return .null }
                var length = Int64.max
                if evaluators.count > 2 {
                    guard case .int(let given) = evaluators[2](event, &context) else { return .null }
                    length = given
                }
                return .string(substring(s, start: start, length: length))
            }
        },
        BuiltinFunction(
            "if", [[.bool], anything, anything], result: { $0[1].type.union($0[2].type) }
        ) { arguments, _ in
            let (condition, then, otherwise) = (arguments[0].test, arguments[1].evaluate, arguments[2].evaluate)
            return { event, context in
                condition(event, &context) ? then(event, &context) : otherwise(event, &context)
            }
        },
    ]

    static let generators: [BuiltinFunction] = [
        BuiltinFunction("sequence", [], generator: true, result: { _ in .int }) { _, site in
            { _, context in .int(context.nextSequence(site: site)) }
        },
        BuiltinFunction("choice", [[.array]], generator: true, result: choiceType) { arguments, _ in
            let argument = arguments[0].evaluate
            return { event, context in
                guard case .array(let items) = argument(event, &context), !items.isEmpty else { return .null }
                return items[Int.random(in: 0..<items.count, using: &context.random)]
            }
        },
        BuiltinFunction("uniform", [numeric, numeric], generator: true, result: { _ in .float }) { arguments, _ in
            let (a, b) = (arguments[0].evaluate, arguments[1].evaluate)
            return { event, context in
                guard let low = a(event, &context).number, let high = b(event, &context).number,
                    low <= high, (high - low).isFinite
                else { return .null }
                return .double(low == high ? low : Double.random(in: low..<high, using: &context.random))
            }
        },
        BuiltinFunction("uniform_int", [numeric, numeric], generator: true, result: { _ in .int }) { arguments, _ in
            let (a, b) = (arguments[0].evaluate, arguments[1].evaluate)
            return { event, context in
                guard case .int(let low) = ValueConversions.toInt(a(event, &context)),
                    case .int(let high) = ValueConversions.toInt(b(event, &context)), low <= high
                else { return .null }
                return .int(Int64.random(in: low...high, using: &context.random))
            }
        },
    ]

    /// The element type of a literal array argument, when all elements agree.
    private static func choiceType(_ arguments: [CompiledNode]) -> ValueType {
        guard case .array(let items)? = arguments[0].constant, !items.isEmpty else { return .any }
        return items.dropFirst().reduce(ValueType(of: items[0])) { $0.union(ValueType(of: $1)) }
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
}

/// The conversions of `to_int()` and `to_float()`, also used by `uniform_int()`.
enum ValueConversions {
    /// Ints as they are; floats truncated toward zero; numeric strings parsed ("12" and "12.7" give 12);
    /// bools as 1 and 0; anything else, or a value outside the int range, is null.
    static func toInt(_ value: Value) -> Value {
        switch value {
        case .int: return value
        case .double(let d): return Int64(exactly: d.rounded(.towardZero)).map(Value.int) ?? .null
        case .string(let s):
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), d.isFinite { return toInt(.double(d)) }
            return .null
        case .bool(let b): return .int(b ? 1 : 0)
        default: return .null
        }
    }

    /// Floats as they are; ints converted; numeric strings parsed; bools as 1.0 and 0.0; else null.
    static func toFloat(_ value: Value) -> Value {
        switch value {
        case .double: return value
        case .int(let i): return .double(Double(i))
        case .string(let s): return Double(s).flatMap { $0.isFinite ? Value.double($0) : nil } ?? .null
        case .bool(let b): return .double(b ? 1 : 0)
        default: return .null
        }
    }
}
