/// Evaluates a compiled expression node against one event.
typealias Evaluator = @Sendable (Event, inout EvaluationContext) -> Value
/// Evaluates a compiled node as a condition, without building a `Value`.
typealias Condition = @Sendable (Event, inout EvaluationContext) -> Bool

/// A checked expression node: its static type and the closures that evaluate it.
///
/// The closure tree is built once when the pipeline compiles; evaluating it allocates nothing for
/// numbers, bools and field reads. Boolean operators also get a `test` closure so conditions never
/// box their intermediate results in a `Value`.
struct CompiledNode: Sendable {
    var type: ValueType
    var evaluate: Evaluator
    var test: Condition
    /// The value, when it is known at compile time.
    var constant: Value?
    /// The field, when the node reads one top-level field (lets comparisons fuse the read).
    var topLevelField: FieldName?

    init(type: ValueType, evaluate: @escaping Evaluator, test: Condition? = nil) {
        self.type = type
        self.evaluate = evaluate
        self.test = test ?? { event, context in ValueSemantics.isTrue(evaluate(event, &context)) }
    }

    static func constant(_ value: Value) -> CompiledNode {
        let truth = ValueSemantics.isTrue(value)
        var node = CompiledNode(type: ValueType(of: value), evaluate: { _, _ in value }, test: { _, _ in truth })
        node.constant = value
        return node
    }

    /// The node evaluated once, when all its inputs are constants and it reads no clock or random stream.
    func folded() -> CompiledNode {
        var context = EvaluationContext(seed: 0, clock: .fixed(0))
        var node = CompiledNode.constant(evaluate(Event(), &context))
        // Keep the checked type: `if(true, 1, 2.5)` stays a number even though its value is an int.
        node.type = type
        return node
    }
}
