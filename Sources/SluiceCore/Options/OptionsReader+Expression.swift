extension ConfigNode {
    /// Where a scalar's text begins: one column after the opening quote of a quoted scalar.
    public var textLocation: SourceLocation {
        if case .scalar(_, quoted: true) = content { return location.advanced(byColumns: 1) }
        return location
    }

    /// Where each scalar of a scalar's text was written: as the config layer worked it out, or along the
    /// line from `textLocation`.
    public var textPositions: TextPositions {
        scalarPositions ?? TextPositions(startingAt: textLocation)
    }
}

extension OptionsReader {
    /// Reads `key` as an expression, recording its diagnostics at their positions in the file; `expecting`
    /// also rejects an expression whose static type cannot be that type (a filter condition that is
    /// not bool). `nil` when absent or invalid.
    public mutating func expression(
        _ key: String, functions: FunctionSet = .standard, expecting: ValueType? = nil
    ) -> Expression? {
        guard let value = node(key) else { return nil }
        return expression(in: value, describedAs: "option '\(key)'", functions: functions, expecting: expecting)
    }

    /// Reads `key` as a mapping of names to expressions (enrich's `fields`, route's `routes`), in file
    /// order; invalid entries are reported and left out.
    public mutating func expressions(
        _ key: String, functions: FunctionSet = .standard, expecting: ValueType? = nil
    ) -> [(name: String, nameLocation: SourceLocation, expression: Expression)]? {
        guard let value = node(key) else { return nil }
        guard let entries = value.entries else {
            error(.wrongType, "option '\(key)' must be a mapping, found \(value.shapeName)", at: value.location)
            return nil
        }
        return entries.compactMap { entry in
            expression(
                in: entry.value, describedAs: "'\(key).\(entry.key)'", functions: functions, expecting: expecting
            ).map { (entry.key, entry.keyLocation, $0) }
        }
    }

    /// Compiles the scalar `value` as an expression; `description` names it in messages.
    public mutating func expression(
        in value: ConfigNode, describedAs description: String, functions: FunctionSet = .standard,
        expecting: ValueType? = nil
    ) -> Expression? {
        guard let text = value.scalar else {
            error(.wrongType, "\(description) must be an expression, found \(value.shapeName)", at: value.location)
            return nil
        }
        let literals = value.substitutions.map(\.range)
        switch Expression.compile(text, at: value.textPositions, functions: functions, literals: literals) {
        case .failure(let diagnostics):
            append(diagnostics)
            return nil
        case .success(let expression):
            append(expression.warnings)
            if let expecting, !expression.staticType.canBe(expecting) {
                error(
                    .expression, "\(description) must be a \(expecting) expression, found \(expression.staticType)",
                    at: value.textPositions.start)
                return nil
            }
            return expression
        }
    }
}

extension OptionsReader {
    /// Like `expression(_:functions:expecting:)`, and records a missing-option error when `key` is absent.
    public mutating func requiredExpression(
        _ key: String, functions: FunctionSet = .standard, expecting: ValueType? = nil
    ) -> Expression? {
        guard let value = node(key) else {
            missing(key)
            return nil
        }
        return expression(in: value, describedAs: "option '\(key)'", functions: functions, expecting: expecting)
    }
}
