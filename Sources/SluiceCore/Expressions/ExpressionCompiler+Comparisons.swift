extension ExpressionCompiler {
    /// A node whose value is `test`'s bool.
    static func predicate(_ test: @escaping Condition) -> CompiledNode {
        CompiledNode(type: .bool, evaluate: { event, context in .bool(test(event, &context)) }, test: test)
    }

    static func logical(_ op: BinaryOperator, _ l: @escaping Condition, _ r: @escaping Condition) -> CompiledNode {
        if op == .and {
            return predicate { event, context in l(event, &context) && r(event, &context) }
        }
        return predicate { event, context in l(event, &context) || r(event, &context) }
    }

    /// `==` or `!=`. Operands of different types (not null) are unequal, and each such comparison is
    /// counted in the context with `site`, the comparison's text, for the `type_mismatch` counter.
    static func equality(negated: Bool, _ left: CompiledNode, _ right: CompiledNode, site: String) -> CompiledNode {
        if let fused = fieldComparison(negated ? .notEqual : .equal, left, right, site: site) { return fused }
        let l = left.evaluate
        // Comparing with a constant is the common case (`status == "error"`): skip evaluating a closure.
        if let constant = right.constant {
            return predicate { event, context in
                let value = l(event, &context)
                if ValueSemantics.equals(value, constant) { return !negated }
                noteMismatch(value, constant, site, &context)
                return negated
            }
        }
        let r = right.evaluate
        return predicate { event, context in
            let (a, b) = (l(event, &context), r(event, &context))
            if ValueSemantics.equals(a, b) { return !negated }
            noteMismatch(a, b, site, &context)
            return negated
        }
    }

    /// `<`, `<=`, `>` or `>=`; operands of different types are unordered (false) and counted as for
    /// `equality`.
    static func ordering(_ op: BinaryOperator, _ left: CompiledNode, _ right: CompiledNode, site: String)
        -> CompiledNode
    {
        if let fused = fieldComparison(op, left, right, site: site) { return fused }
        let l = left.evaluate
        if let constant = right.constant {
            return predicate { event, context in
                let value = l(event, &context)
                guard let order = ValueSemantics.compare(value, constant) else {
                    noteMismatch(value, constant, site, &context)
                    return false
                }
                return op.holds(order)
            }
        }
        let r = right.evaluate
        return predicate { event, context in
            let (a, b) = (l(event, &context), r(event, &context))
            guard let order = ValueSemantics.compare(a, b) else {
                noteMismatch(a, b, site, &context)
                return false
            }
            return op.holds(order)
        }
    }

    /// `field op constant` for a top-level field and a number or string constant, fused into one closure:
    /// the usual shape of a filter condition (`value >= 1`, `status == "error"`), and worth the code.
    private static func fieldComparison(
        _ op: BinaryOperator, _ left: CompiledNode, _ right: CompiledNode, site: String
    ) -> CompiledNode? {
        guard let name = left.topLevelField, let constant = right.constant else { return nil }
        // A value of another type (null included) is unequal and unordered.
        let mismatch = op == .notEqual
        switch constant {
        case .int(let k):
            let kd = Double(k)
            return predicate { event, context in
                switch event[name] {
                case .int(let x)?: return op.holds(x < k ? -1 : (x == k ? 0 : 1))
                case .double(let x)?: return op.holds(x < kd ? -1 : (x == kd ? 0 : 1))
                default:
                    noteFieldMismatch(event, name, constant, site, &context)
                    return mismatch
                }
            }
        case .double(let k):
            return predicate { event, context in
                guard let x = event[name]?.number else {
                    noteFieldMismatch(event, name, constant, site, &context)
                    return mismatch
                }
                return op.holds(x < k ? -1 : (x == k ? 0 : 1))
            }
        case .string(let k):
            return predicate { event, context in
                guard case .string(let x)? = event[name] else {
                    noteFieldMismatch(event, name, constant, site, &context)
                    return mismatch
                }
                if op == .equal || op == .notEqual { return (x == k) == (op == .equal) }
                return op.holds(x < k ? -1 : (x == k ? 0 : 1))
            }
        default:
            return nil
        }
    }

    /// `noteMismatch` for the field `name` of `event`, out of line so the fused comparisons, run for every
    /// event, stay as small as they were without it.
    @inline(never)
    private static func noteFieldMismatch(
        _ event: Event, _ name: FieldName, _ constant: Value, _ site: String, _ context: inout EvaluationContext
    ) {
        noteMismatch(event[name], constant, site, &context)
    }

    /// Counts the comparison in `context` when `a` and `b` are present values of different types.
    @inline(__always)
    private static func noteMismatch(_ a: Value?, _ b: Value, _ site: String, _ context: inout EvaluationContext) {
        guard let a, ValueSemantics.isTypeMismatch(a, b) else { return }
        context.noteTypeMismatch(site, a, b)
    }

    /// Warns about ordering against a string literal that reads as a number (`status >= "500"`): it is
    /// false for every number, and strings order as text ("1000" < "500").
    mutating func warnIfOrderingNumericString(
        _ op: BinaryOperator, _ left: CompiledNode, _ right: CompiledNode, at offset: Int
    ) {
        for (literal, other) in [(right, left), (left, right)] {
            guard case .string(let text)? = literal.constant, other.type == .any,
                Int64(text) != nil || Double(text)?.isFinite == true
            else { continue }
            warning(
                offset,
                "'\(op.rawValue)' compares with the string \"\(text)\": a number is never ordered with a string, "
                    + "and strings order as text (\"1000\" < \"500\"); write \(text) without quotes to compare "
                    + "numbers")
        }
    }
}
