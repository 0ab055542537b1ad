extension BuiltinFunctions {
    /// The clock, and timestamps read and written with strptime-style formats in tz-database zones.
    static let timeFunctions: [BuiltinFunction] = [
        BuiltinFunction("now", [], pure: false, returns: .int) { _ in
            { _, context in .int(context.clock.milliseconds()) }
        },
        // Not folded: a format without a year reads the clock.
        BuiltinFunction("parse_timestamp", [Self.text, Self.text, Self.text], minimum: 2, pure: false, returns: .int) {
            call in
            guard let format = call.timestampFormat(1), let zone = call.zone(2) else { return { _, _ in .null } }
            let value = call.arguments[0].evaluate
            return { event, context in
                guard case .string(let text) = value(event, &context), let rules = zone(event, &context) else {
                    return .null
                }
                let clock = context.clock
                return format.milliseconds(from: text, zone: rules, now: clock.milliseconds).map(Value.int) ?? .null
            }
        },
        BuiltinFunction("format_timestamp", [numeric, Self.text, Self.text], minimum: 2, returns: .string) { call in
            guard let format = call.timestampFormat(1), let zone = call.zone(2) else { return { _, _ in .null } }
            let value = call.arguments[0].evaluate
            return { event, context in
                guard case .int(let milliseconds) = ValueConversions.toInt(value(event, &context)),
                    let rules = zone(event, &context)
                else { return .null }
                return format.text(milliseconds: milliseconds, zone: rules).map(Value.string) ?? .null
            }
        },
    ]
}

extension FunctionCall {
    /// The timestamp format that argument `index`, a string literal, is; `nil` with a problem reported
    /// when it is not a literal or not a format.
    mutating func timestampFormat(_ index: Int) -> TimestampFormat? {
        compiledConstant(index, "format", TimestampFormat.parse, describe: \.message)
    }

    /// How to find the zone of argument `index`: UTC when absent; looked up now when it is a constant (an
    /// unknown zone is a problem reported, and `nil`); per event otherwise (an unknown zone gives null).
    mutating func zone(_ index: Int) -> (@Sendable (Event, inout EvaluationContext) -> ZoneRules?)? {
        guard index < arguments.count else { return { _, _ in ZoneRules.utc } }
        if let name = optionalConstantString(index) {
            guard let zone = TimeZoneDatabase.shared.zone(named: name) else {
                reject(
                    argument: index,
                    "unknown time zone \"\(name)\"; use a tz database name such as \"Europe/Berlin\", \"UTC\" "
                        + "or an offset such as \"+02:00\"")
                return nil
            }
            return { _, _ in zone }
        }
        let value = arguments[index].evaluate
        return { event, context in
            guard case .string(let name) = value(event, &context) else { return nil }
            return TimeZoneDatabase.shared.zone(named: name)
        }
    }
}
