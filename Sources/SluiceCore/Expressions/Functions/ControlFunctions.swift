extension BuiltinFunctions {
    /// Presence, defaults and conditionals. Only the branches a conditional chooses are evaluated.
    static let controlFunctions: [BuiltinFunction] = [
        // `exists` takes a field path, not a value; the compiler builds it (see ExpressionCompiler).
        BuiltinFunction("exists", [anything], returns: .bool) { _ in
            preconditionFailure("exists() is compiled by ExpressionCompiler")
        },
        BuiltinFunction("coalesce", [anything], variadic: true, result: { union($0[...]) }) { call in
            let evaluators = call.evaluators
            return { event, context in
                for evaluate in evaluators {
                    let value = evaluate(event, &context)
                    if !value.isNull { return value }
                }
                return .null
            }
        },
        BuiltinFunction("if", [[.bool], anything, anything], result: { $0[1].type.union($0[2].type) }) { call in
            let arguments = call.arguments
            let (condition, then, otherwise) = (arguments[0].test, arguments[1].evaluate, arguments[2].evaluate)
            return { event, context in
                condition(event, &context) ? then(event, &context) : otherwise(event, &context)
            }
        },
        BuiltinFunction(
            "case", [anything], minimum: 3, variadic: true,
            arityHint: "write case(c1, v1, c2, v2, default): pairs of a condition and a value, then a default",
            result: caseType
        ) { call in
            let arguments = call.arguments
            if arguments.count % 2 == 0 {
                call.reject(
                    argument: arguments.count - 1,
                    "case() takes pairs of a condition and a value, then a default: "
                        + "case(c1, v1, c2, v2, default); found \(arguments.count) arguments")
            }
            let pairCount = arguments.count / 2
            for index in 0..<pairCount where !arguments[2 * index].type.canBe(.bool) {
                call.reject(
                    argument: 2 * index, "a condition of case() must be bool, found \(arguments[2 * index].type)")
            }
            let pairs = (0..<pairCount).map { (test: arguments[2 * $0].test, value: arguments[2 * $0 + 1].evaluate) }
            let otherwise = arguments[arguments.count - 1].evaluate
            return { event, context in
                for pair in pairs where pair.test(event, &context) { return pair.value(event, &context) }
                return otherwise(event, &context)
            }
        },
    ]

    /// The union of the values `case()` may give: every second argument and the default.
    private static func caseType(_ arguments: [CompiledNode]) -> ValueType {
        let values = arguments.indices.filter { $0 % 2 == 1 || $0 == arguments.count - 1 }.map { arguments[$0] }
        return union(values[...])
    }
}
