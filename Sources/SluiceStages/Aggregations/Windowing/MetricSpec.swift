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
    /// Only events for which this is true count toward the metric (`where`); all events when `nil`.
    public var condition: Expression?

    /// Parses and checks the call `text` written at `location` for the output field `name`; `nil` with
    /// diagnostics on `reader` when it is not a known function with the right arguments.
    init?(name: String, text: String, location: SourceLocation, reader: inout OptionsReader) {
        let call: CallSyntax
        switch Expression.parseCall(text, at: location) {
        case .success(let parsed): call = parsed
        case .failure(let diagnostics):
            reader.append(diagnostics)
            return nil
        }
        guard let function = MetricFunction(rawValue: call.name) else {
            let names = MetricFunction.allCases.map(\.rawValue)
            let calls = names.map { $0 + "()" }.joined(separator: ", ")
            reader.error(
                .expression, "unknown metric function '\(call.name)'; expected one of \(calls)",
                at: call.nameLocation, suggestion: Suggestion.closest(to: call.name, among: names))
            return nil
        }
        guard call.arguments.count == function.arity else {
            let expected = function.arity == 0 ? "no arguments" : "one argument"
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
        self.name = FieldName(name)
        self.function = function
        argument = call.arguments.first
        condition = call.condition
    }
}
