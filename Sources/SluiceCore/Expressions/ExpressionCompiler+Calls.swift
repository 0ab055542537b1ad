extension ExpressionCompiler {
    /// A function call: the function must exist and be allowed here, its argument count and the types of
    /// its arguments must fit, and its constant arguments (patterns, formats) must be accepted by it.
    mutating func compileCall(_ name: String, _ argumentSyntax: [SyntaxNode], at offset: Int) -> CompiledNode {
        guard let function = BuiltinFunctions.all[name] else {
            // Past the errors that are reported, a suggestion is work for nothing (thousands in generated text).
            let reported = errors.count < ExpressionText.maximumReportedErrors
            error(
                offset, "unknown function '\(name)'",
                suggestion: reported ? Suggestion.closest(to: name, among: functions.names) : nil)
            for argument in argumentSyntax { _ = compile(argument) }
            return CompiledNode(type: .any) { _, _ in .null }
        }
        if function.isGenerator && !functions.allowsGenerators {
            error(offset, "\(name)() is a generator function, available only in the fields of a 'generate' source")
        }
        guard function.accepts(argumentCount: argumentSyntax.count) else {
            let hint = function.arityHint.map { "; \($0)" } ?? ""
            error(offset, "\(name)() takes \(function.arityDescription), found \(argumentSyntax.count)\(hint)")
            for argument in argumentSyntax { _ = compile(argument) }
            // The result type may depend on arguments that are not there: leave it open.
            return CompiledNode(type: .any) { _, _ in .null }
        }
        if name == "exists" { return compileExists(argumentSyntax[0]) }
        let arguments = argumentSyntax.map { compile($0) }
        var typesFit = true
        for (index, argument) in arguments.enumerated() {
            let accepted = function.parameterTypes(at: index)
            if argument.type != .null, !accepted.contains(where: argument.type.canBe) {
                let expected = accepted.map(\.description).joined(separator: " or ")
                error(
                    argumentSyntax[index].start,
                    "\(name)() expects \(expected) as argument \(index + 1), found \(argument.type)")
                typesFit = false
            }
        }
        // A builder may read its constant arguments (a pattern, say), which must then have their types.
        guard typesFit else { return CompiledNode(type: function.resultType(arguments)) { _, _ in .null } }
        var call = FunctionCall(name: name, arguments: arguments, site: BuiltinFunctions.newSite())
        let evaluate = function.build(&call)
        for problem in call.problems {
            error(argumentSyntax[problem.argument].start, problem.message)
        }
        let node = CompiledNode(type: function.resultType(arguments), evaluate: evaluate)
        return function.isPure && arguments.allSatisfy({ $0.constant != nil }) ? node.folded() : node
    }

    private mutating func compileExists(_ argument: SyntaxNode) -> CompiledNode {
        guard case .field(let path) = argument.kind else {
            error(argument.start, "exists() takes a field path such as exists(user.id)")
            return .constant(.bool(false))
        }
        return Self.predicate { event, _ in event.value(at: path) != nil }
    }
}
