import SluiceCore

/// One `name: expression` entry of a `fields` mapping (enrich, generate): the value of `expression`,
/// stored at `path`.
public struct FieldAssignment: Sendable, Equatable {
    public let path: FieldPath
    public let expression: Expression

    public init(path: FieldPath, expression: Expression) {
        self.path = path
        self.expression = expression
    }

    /// Reads the mapping at `key`, reporting bad field names and invalid expressions; `nil` when absent.
    static func read(
        _ key: String, from reader: inout OptionsReader, functions: FunctionSet = .standard
    ) -> [FieldAssignment]? {
        guard let entries = reader.expressions(key, functions: functions) else { return nil }
        return entries.compactMap { entry in
            guard let path = FieldPath(entry.name) else {
                reader.error(.invalidValue, "'\(entry.name)' is not a field name or dotted path", at: entry.nameLocation)
                return nil
            }
            return FieldAssignment(path: path, expression: entry.expression)
        }
    }

    /// Sets every assignment on `event` in order, so later expressions see earlier results.
    static func apply(_ assignments: [FieldAssignment], to event: inout Event, context: inout EvaluationContext) {
        for assignment in assignments {
            let value = assignment.expression.evaluate(event, context: &context)
            event.setValue(value, at: assignment.path)
        }
    }
}
