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
    /// Added to the message when a call has the wrong number of arguments.
    let arityHint: String?
    let resultType: @Sendable ([CompiledNode]) -> ValueType
    /// Builds the evaluator; it may reject constant arguments (a pattern that does not compile) through
    /// the call, and the compiler reports those at the argument.
    let build: @Sendable (inout FunctionCall) -> Evaluator

    init(
        _ name: String, _ parameters: [[ValueType]], minimum: Int? = nil, variadic: Bool = false,
        generator: Bool = false, pure: Bool = true, arityHint: String? = nil,
        result: @escaping @Sendable ([CompiledNode]) -> ValueType,
        build: @escaping @Sendable (inout FunctionCall) -> Evaluator
    ) {
        self.name = name
        self.parameters = parameters
        minimumArguments = minimum ?? parameters.count
        isVariadic = variadic
        isGenerator = generator
        isPure = pure && !generator
        self.arityHint = arityHint
        resultType = result
        self.build = build
    }

    /// A function whose result type does not depend on its arguments.
    init(
        _ name: String, _ parameters: [[ValueType]], minimum: Int? = nil, variadic: Bool = false,
        generator: Bool = false, pure: Bool = true, arityHint: String? = nil, returns result: ValueType,
        build: @escaping @Sendable (inout FunctionCall) -> Evaluator
    ) {
        self.init(
            name, parameters, minimum: minimum, variadic: variadic, generator: generator, pure: pure,
            arityHint: arityHint, result: { _ in result }, build: build)
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

/// One call being compiled: what a function's builder sees, and where it reports arguments it cannot
/// accept (reported as errors at the argument, when the pipeline compiles).
struct FunctionCall {
    let name: String
    let arguments: [CompiledNode]
    /// Identifies the call site (for `sequence()`).
    let site: Int
    private(set) var problems: [(argument: Int, message: String)] = []

    init(name: String, arguments: [CompiledNode], site: Int) {
        self.name = name
        self.arguments = arguments
        self.site = site
    }

    /// The evaluators of the arguments, in order.
    var evaluators: [Evaluator] { arguments.map(\.evaluate) }

    /// Reports that argument `index` cannot be accepted.
    mutating func reject(argument index: Int, _ message: String) {
        problems.append((index, message))
    }

    /// The string that argument `index` always is; `nil` with a problem reported when it is not a constant
    /// string (patterns and formats are compiled once, when the pipeline compiles). `what` names it.
    mutating func constantString(_ index: Int, _ what: String) -> String? {
        guard index < arguments.count else { return nil }
        if case .string(let text)? = arguments[index].constant { return text }
        reject(
            argument: index,
            "the \(what) of \(name)() must be a string literal: it is compiled once, when the pipeline compiles")
        return nil
    }

    /// Argument `index`, a string literal, compiled by `compile`; `nil` with a problem reported when it is
    /// not a literal (`what` names it) or does not compile (`describe` says why).
    mutating func compiledConstant<Compiled, Problem: Error>(
        _ index: Int, _ what: String, _ compile: (String) -> Result<Compiled, Problem>,
        describe: (Problem) -> String
    ) -> Compiled? {
        guard let text = constantString(index, what) else { return nil }
        switch compile(text) {
        case .success(let compiled): return compiled
        case .failure(let problem):
            reject(argument: index, describe(problem))
            return nil
        }
    }

    /// The string argument `index` always is when it is a constant, else `nil` (no problem reported).
    func optionalConstantString(_ index: Int) -> String? {
        guard index < arguments.count, case .string(let text)? = arguments[index].constant else { return nil }
        return text
    }
}

/// The built-in function table, assembled from the families in `Functions/`.
enum BuiltinFunctions {
    static let all: [String: BuiltinFunction] = {
        let families: [[BuiltinFunction]] = [
            textFunctions, conversionFunctions, numberFunctions, controlFunctions, parsingFunctions, timeFunctions,
            randomFunctions, generatorFunctions,
        ]
        return Dictionary(uniqueKeysWithValues: families.joined().map { ($0.name, $0) })
    }()

    /// Call-site ids for `sequence()`, unique in the process so the counters of different expressions
    /// sharing one context never collide.
    private static let nextSite = Atomic<Int>(0)

    static func newSite() -> Int {
        nextSite.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    static let numeric: [ValueType] = [.number]
    static let text: [ValueType] = [.string]
    static let anything: [ValueType] = [.any]

    /// A function of one argument that maps a value to a value.
    static func unary(
        _ name: String, _ accepted: [ValueType], result: ValueType, _ body: @escaping @Sendable (Value) -> Value
    ) -> BuiltinFunction {
        BuiltinFunction(name, [accepted], returns: result) { call in
            let argument = call.arguments[0].evaluate
            return { event, context in body(argument(event, &context)) }
        }
    }

    /// A function of two arguments that maps two values to a value.
    static func binary(
        _ name: String, _ first: [ValueType], _ second: [ValueType], result: ValueType,
        _ body: @escaping @Sendable (Value, Value) -> Value
    ) -> BuiltinFunction {
        BuiltinFunction(name, [first, second], returns: result) { call in
            let (a, b) = (call.arguments[0].evaluate, call.arguments[1].evaluate)
            return { event, context in body(a(event, &context), b(event, &context)) }
        }
    }

    /// The narrowest type covering the types of `arguments`.
    static func union(_ arguments: ArraySlice<CompiledNode>) -> ValueType {
        arguments.dropFirst().reduce(arguments.first?.type ?? .null) { $0.union($1.type) }
    }
}
