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
                reader.error(
                    .invalidValue, "'\(entry.name)' is not a field name or dotted path", at: entry.nameLocation)
                return nil
            }
            return FieldAssignment(path: path, expression: entry.expression)
        }
    }

    /// Warnings for entries whose whole value is a bare word (`label: hello`) naming no field in
    /// `available` nor set by an earlier entry.
    static func bareWordWarnings(_ assignments: [FieldAssignment], available: Set<String>) -> Diagnostics {
        var known = available
        var warnings = Diagnostics()
        for assignment in assignments {
            if let warning = assignment.expression.bareWordWarning(available: known) { warnings.append(warning) }
            known.insert(assignment.path.head.string)
        }
        return warnings
    }

    /// The top-level names the assignments set.
    static func names(_ assignments: [FieldAssignment]) -> Set<String> {
        Set(assignments.map(\.path.head.string))
    }

    /// Sets every assignment on `event` in order, so later expressions see earlier results.
    static func apply(_ assignments: [FieldAssignment], to event: inout Event, context: inout EvaluationContext) {
        // Indexing, not `for assignment in`, so each assignment is borrowed rather than copied (a copy
        // retains the expression's text and closures).
        for index in assignments.indices {
            let value = assignments[index].expression.evaluate(event, context: &context)
            event.setValue(value, at: assignments[index].path)
        }
    }
}
