/// Type-checks a syntax tree and builds its closure tree, collecting every error it finds.
///
/// Operands whose types clash (`"a" - 1`, `"x" > 3`, `len(5)`) are errors; a field's type is `any`,
/// so expressions over fields are checked as far as their literals and functions allow and follow the
/// run-time null rules otherwise. Constant subtrees are folded. Likely mistakes that are not errors
/// (`status >= "500"`) are warnings.
struct ExpressionCompiler {
    let functions: FunctionSet
    /// The source, for the text of comparisons in run-time messages.
    let text: ExpressionText?
    private(set) var errors: [ExpressionError] = []
    private(set) var warnings: [ExpressionError] = []

    init(functions: FunctionSet, text: ExpressionText? = nil) {
        self.functions = functions
        self.text = text
    }

    mutating func compile(_ node: SyntaxNode) -> CompiledNode {
        switch node.kind {
        case .literal(let value):
            return .constant(value)
        case .invalid:
            return CompiledNode(type: .any) { _, _ in .null }
        case .array(let items):
            return compileArray(items)
        case .field(let path):
            return Self.field(path)
        case .unary(let op, let operand):
            return compileUnary(op, operand, at: node.start)
        case .binary(let op, let left, let right, let operatorOffset):
            return compileBinary(op, left, right, at: operatorOffset)
        case .chain(let first, let links):
            return compileChain(first, links)
        case .call(let name, let arguments):
            return compileCall(name, arguments, at: node.start)
        case .object(let entries):
            return compileObject(entries)
        case .access(let base, let steps):
            return compileAccess(base, steps)
        }
    }

    mutating func error(_ offset: Int, _ message: String, suggestion: String? = nil) {
        errors.append(ExpressionError(offset: offset, message: message, suggestion: suggestion))
    }

    mutating func warning(_ offset: Int, _ message: String) {
        warnings.append(ExpressionError(offset: offset, message: message))
    }

    /// The source text from `start` to `end`, as run-time messages quote it.
    func source(from start: Int, to end: Int) -> String {
        text?.slice(SyntaxNode(kind: .invalid, start: start, end: end)) ?? ""
    }

    static func field(_ path: FieldPath) -> CompiledNode {
        if path.tail.isEmpty {
            let name = path.head
            var node = CompiledNode(type: .any) { event, _ in event[name] ?? .null }
            node.topLevelField = name
            return node
        }
        return CompiledNode(type: .any) { event, _ in event.value(at: path) ?? .null }
    }

    private mutating func compileArray(_ items: [SyntaxNode]) -> CompiledNode {
        let compiled = items.map { compile($0) }
        let evaluators = compiled.map(\.evaluate)
        let node = CompiledNode(type: .array) { event, context in
            .array(evaluators.map { $0(event, &context) })
        }
        return compiled.allSatisfy { $0.constant != nil } ? node.folded() : node
    }

    private mutating func compileUnary(_ op: UnaryOperator, _ operandSyntax: SyntaxNode, at offset: Int) -> CompiledNode
    {
        let operand = compile(operandSyntax)
        let node: CompiledNode
        switch op {
        case .not:
            if !operand.type.canBe(.bool) && operand.type != .null {
                error(offset, "'!' needs a bool, found \(operand.type)")
            }
            let test = operand.test
            node = CompiledNode(type: .bool, evaluate: { event, context in .bool(!test(event, &context)) }) {
                event, context in !test(event, &context)
            }
        case .negate:
            if !operand.type.canBe(.number) && operand.type != .null {
                error(offset, "'-' needs a number, found \(operand.type)")
            }
            let evaluate = operand.evaluate
            node = CompiledNode(type: operand.type.isNumeric ? operand.type : .number) { event, context in
                ValueSemantics.negate(evaluate(event, &context))
            }
        }
        return operand.constant != nil ? node.folded() : node
    }

    private mutating func compileBinary(
        _ op: BinaryOperator, _ leftSyntax: SyntaxNode, _ rightSyntax: SyntaxNode, at offset: Int
    ) -> CompiledNode {
        let left = compile(leftSyntax)
        let right = compile(rightSyntax)
        let node: CompiledNode
        switch op {
        case .and, .or:
            checkLogical(op, [left, right], at: offset)
            node = Self.logical(op, left.test, right.test)
        case .equal, .notEqual:
            if left.type != .null, right.type != .null, !left.type.canBe(right.type) {
                error(offset, "'\(op.rawValue)' compares \(left.type) with \(right.type), which are never equal")
            }
            let site = source(from: leftSyntax.start, to: rightSyntax.end)
            node = Self.equality(negated: op == .notEqual, left, right, site: site)
        case .less, .lessEqual, .greater, .greaterEqual:
            let comparable =
                (left.type.canBe(.number) && right.type.canBe(.number))
                || (left.type.canBe(.string) && right.type.canBe(.string))
            if !comparable {
                error(offset, "'\(op.rawValue)' cannot order \(left.type) and \(right.type)")
            } else {
                warnIfOrderingNumericString(op, left, right, at: offset)
            }
            node = Self.ordering(op, left, right, site: source(from: leftSyntax.start, to: rightSyntax.end))
        case .in:
            if !right.type.canBe(.array) {
                error(offset, "'in' needs an array on its right, found \(right.type)")
            }
            let l = left.evaluate
            if case .array(let items)? = right.constant {
                node = Self.predicate { event, context in
                    let value = l(event, &context)
                    return items.contains { ValueSemantics.equals(value, $0) }
                }
            } else {
                let r = right.evaluate
                node = Self.predicate { event, context in
                    ValueSemantics.isMember(l(event, &context), of: r(event, &context))
                }
            }
        case .add, .subtract, .multiply, .divide, .integerDivide, .remainder:
            node = compileArithmetic(op, left, right, at: offset)
        }
        return left.constant != nil && right.constant != nil ? node.folded() : node
    }

    private mutating func checkLogical(_ op: BinaryOperator, _ operands: [CompiledNode], at offset: Int) {
        for operand in operands where !operand.type.canBe(.bool) {
            error(offset, "'\(op.rawValue)' needs bool operands, found \(operand.type)")
        }
    }

    /// The type of `lt op rt` for an arithmetic operator; an error when the operator cannot apply.
    private mutating func arithmeticType(_ op: BinaryOperator, _ lt: ValueType, _ rt: ValueType, at offset: Int)
        -> ValueType
    {
        let numeric = lt.canBe(.number) && rt.canBe(.number)
        let strings = op == .add && lt.canBe(.string) && rt.canBe(.string)
        if lt == .null || rt == .null { return .null }
        if numeric && strings { return .any }
        if strings { return .string }
        if numeric && lt == .int && rt == .int { return op == .divide ? .number : .int }
        if numeric { return lt == .float || rt == .float ? .float : .number }
        error(offset, "'\(op.rawValue)' cannot be applied to \(lt) and \(rt)")
        return .any
    }

    /// A chain of one precedence group, checked link by link and evaluated in a loop, so its length costs no
    /// recursion; it means exactly what nesting the links from the left would.
    private mutating func compileChain(_ firstSyntax: SyntaxNode, _ links: [ChainLink]) -> CompiledNode {
        let first = compile(firstSyntax)
        let operands = links.map { compile($0.operand) }
        let node: CompiledNode
        let op = links[0].op
        if op == .and || op == .or {
            checkLogical(op, [first], at: links[0].operatorOffset)
            for (link, operand) in zip(links, operands) { checkLogical(op, [operand], at: link.operatorOffset) }
            let tests = [first.test] + operands.map(\.test)
            // `&&` stops at the first false operand, `||` at the first true one.
            let stopsAt = op == .or
            node = Self.predicate { event, context in
                for test in tests where test(event, &context) == stopsAt { return stopsAt }
                return !stopsAt
            }
        } else {
            var type = first.type
            for (link, operand) in zip(links, operands) {
                type = arithmeticType(link.op, type, operand.type, at: link.operatorOffset)
            }
            let head = first.evaluate
            let steps = zip(links, operands).map { (op: $0.op, evaluate: $1.evaluate) }
            node = CompiledNode(type: type) { event, context in
                var value = head(event, &context)
                for step in steps { value = ValueSemantics.arithmetic(step.op, value, step.evaluate(event, &context)) }
                return value
            }
        }
        return first.constant != nil && operands.allSatisfy({ $0.constant != nil }) ? node.folded() : node
    }

    private mutating func compileArithmetic(
        _ op: BinaryOperator, _ left: CompiledNode, _ right: CompiledNode, at offset: Int
    ) -> CompiledNode {
        let type = arithmeticType(op, left.type, right.type, at: offset)
        let l = left.evaluate
        // A number on the right (`value * 2`, `total / 1000.0`) is the common case: no closure for it.
        switch right.constant {
        case .int(let k)?:
            let kd = Double(k)
            return CompiledNode(type: type) { event, context in
                switch l(event, &context) {
                case .int(let x): return ValueSemantics.integer(op, x, k)
                case .double(let x): return ValueSemantics.float(op, x, kd)
                default: return .null
                }
            }
        case .double(let k)?:
            return CompiledNode(type: type) { event, context in
                guard let x = l(event, &context).number else { return .null }
                return ValueSemantics.float(op, x, k)
            }
        default:
            let r = right.evaluate
            return CompiledNode(type: type) { event, context in
                ValueSemantics.arithmetic(op, l(event, &context), r(event, &context))
            }
        }
    }
}
