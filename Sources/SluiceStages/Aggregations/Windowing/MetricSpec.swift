import SluiceCore

/// One metric of an aggregate: an output field and the call that computes it, such as `total: sum(value)` or
/// `errors: count() where status >= 500`.
public struct MetricSpec: Sendable, Equatable {
    /// The output field.
    public var name: FieldName
    /// The function called.
    public var function: MetricFunction
    /// The argument expression, for functions that take one.
    public var argument: Expression?
    /// The constant second argument: `q` of `percentile(x, q)`, `k` of `top_k(x, k)`.
    public var parameter: Double?
    /// Only events for which this is true count toward the metric (`where`); all events when `nil`.
    public var condition: Expression?

    /// Parses and checks the call `text` written at `positions` for the output field `name` (`literals`: the
    /// ranges of `text` substituted from the environment); `nil` with diagnostics on `reader` when it is not
    /// a known function with the right arguments.
    init?(
        name: String, text: String, positions: TextPositions, literals: [Range<Int>], reader: inout OptionsReader
    ) {
        let call: CallSyntax
        switch Expression.parseCall(text, at: positions, literals: literals) {
        case .success(let parsed): call = parsed
        case .failure(let diagnostics):
            reader.append(diagnostics)
            return nil
        }
        reader.append(call.warnings)
        guard let function = MetricFunction(rawValue: call.name) else {
            let names = MetricFunction.allCases.map(\.rawValue)
            let calls = names.map { $0 + "()" }.joined(separator: ", ")
            reader.error(
                .expression, "unknown metric function '\(call.name)'; expected one of \(calls)",
                at: call.nameLocation, suggestion: Suggestion.closest(to: call.name, among: names))
            return nil
        }
        guard call.arguments.count == function.arity else {
            let expected = ["no arguments", "one argument", "two arguments"][function.arity]
            reader.error(
                .expression, "\(function.rawValue)() takes \(expected), found \(call.arguments.count)",
                at: call.nameLocation)
            return nil
        }
        if let argument = call.arguments.first, function.needsNumbers, !argument.staticType.canBe(.number) {
            reader.error(
                .expression,
                "\(function.rawValue)() needs a number, but '\(argument.source)' is \(argument.staticType)",
                at: call.nameLocation)
            return nil
        }
        let parameter = call.arguments.count == 2 ? Self.readParameter(call, function, &reader) : nil
        if call.arguments.count == 2, parameter == nil { return nil }
        self.name = FieldName(name)
        self.function = function
        argument = call.arguments.first
        self.parameter = parameter
        condition = call.condition
    }

    /// The second argument, which must be a constant: `q` in [0, 1] for `percentile`, `k` in 1...1000 for
    /// `top_k`.
    private static func readParameter(
        _ call: CallSyntax, _ function: MetricFunction, _ reader: inout OptionsReader
    ) -> Double? {
        let argument = call.arguments[1]
        switch (function, argument.constantValue) {
        case (.percentile, let constant?):
            if let q = constant.number, q >= 0, q <= 1 { return q }
        case (.topK, .int(let k)?):
            if k >= 1, k <= 1_000 { return Double(k) }
        default:
            break
        }
        let expected = function == .percentile ? "a number from 0 to 1" : "an int from 1 to 1000"
        reader.error(
            .expression,
            "the second argument of \(function.rawValue)() must be \(expected), found '\(argument.source)'",
            at: call.nameLocation)
        return nil
    }

    /// An empty accumulator for one window and group.
    func emptyAccumulator(distinctExactLimit: Int) -> Accumulator {
        function.emptyAccumulator(parameter: parameter, distinctExactLimit: distinctExactLimit)
    }
}
