import SluiceCore

/// The expressions a set of metrics reads per event, each distinct one evaluated once: `sum(value)`,
/// `avg(value)` and `max(value)` read `value` once, and metrics sharing a `where` condition test it once.
///
/// Expressions are equal when their text is (`Expression.==`); metric arguments call no generator function, so
/// one evaluation per event gives every metric the value it would have computed itself.
struct MetricInputs {
    /// The distinct arguments, then the distinct conditions.
    private let arguments: [Expression]
    private let conditions: [Expression]
    /// Per metric, the index of its argument in `arguments` (`nil` for `count()`) and of its condition.
    private let argumentIndex: [Int?]
    private let conditionIndex: [Int?]
    /// The current event's argument values and condition results, by distinct expression.
    private var argumentValues: [Value]
    private var conditionResults: [Bool]

    init(_ metrics: [MetricSpec]) {
        var arguments: [Expression] = []
        var conditions: [Expression] = []
        func index(of expression: Expression?, in list: inout [Expression]) -> Int? {
            guard let expression else { return nil }
            if let index = list.firstIndex(of: expression) { return index }
            list.append(expression)
            return list.count - 1
        }
        argumentIndex = metrics.map { index(of: $0.argument, in: &arguments) }
        conditionIndex = metrics.map { index(of: $0.condition, in: &conditions) }
        self.arguments = arguments
        self.conditions = conditions
        argumentValues = Array(repeating: .null, count: arguments.count)
        conditionResults = Array(repeating: true, count: conditions.count)
    }

    /// The number of metrics.
    var metricCount: Int { argumentIndex.count }

    /// Evaluates every distinct argument and condition for `event`.
    mutating func evaluate(_ event: Event, context: inout EvaluationContext) {
        // Read through buffers: subscripting the arrays would copy each expression (and its closures) out.
        conditions.withUnsafeBufferPointer { conditions in
            for index in conditions.indices {
                conditionResults[index] = conditions[index].isTrue(event, context: &context)
            }
        }
        arguments.withUnsafeBufferPointer { arguments in
            for index in arguments.indices {
                argumentValues[index] = arguments[index].evaluate(event, context: &context)
            }
        }
    }

    /// Calls `body` with each metric's index and argument value for the evaluated event, skipping the metrics
    /// whose `where` condition excludes it; `count()` gets null.
    func forEachArgument(_ body: (Int, Value) -> Void) {
        for metric in argumentIndex.indices {
            if let condition = conditionIndex[metric], !conditionResults[condition] { continue }
            if let argument = argumentIndex[metric] {
                body(metric, argumentValues[argument])
            } else {
                body(metric, .null)
            }
        }
    }
}
