extension BuiltinFunctions {
    /// Conversions between types, and tests of a value's type.
    static let conversionFunctions: [BuiltinFunction] = [
        unary("to_int", anything, result: .int, ValueConversions.toInt),
        unary("to_float", anything, result: .float, ValueConversions.toFloat),
        unary("to_string", anything, result: .string) { value in
            ValueSemantics.text(of: value).map(Value.string) ?? .null
        },
        unary("to_bool", anything, result: .bool, ValueConversions.toBool),
        unary("type_of", anything, result: .string) { value in .string(value.typeName) },
        typeTest("is_null") { $0.isNull },
        typeTest("is_bool") { if case .bool = $0 { true } else { false } },
        typeTest("is_int") { if case .int = $0 { true } else { false } },
        typeTest("is_float") { if case .double = $0 { true } else { false } },
        typeTest("is_string") { if case .string = $0 { true } else { false } },
        typeTest("is_array") { if case .array = $0 { true } else { false } },
        typeTest("is_object") { if case .object = $0 { true } else { false } },
    ]

    /// A function telling whether its argument is of one type; a missing field is null.
    private static func typeTest(_ name: String, _ test: @escaping @Sendable (Value) -> Bool) -> BuiltinFunction {
        unary(name, anything, result: .bool) { .bool(test($0)) }
    }
}

/// The conversions of `to_int()`, `to_float()` and `to_bool()`, also used by `uniform_int()` and `format()`.
enum ValueConversions {
    /// Ints as they are; floats truncated toward zero; numeric strings parsed ("12" and "12.7" give 12);
    /// bools as 1 and 0; anything else, or a value outside the int range, is null.
    static func toInt(_ value: Value) -> Value {
        switch value {
        case .int: return value
        case .double(let d): return Int64(exactly: d.rounded(.towardZero)).map(Value.int) ?? .null
        case .string(let s):
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), d.isFinite { return toInt(.double(d)) }
            return .null
        case .bool(let b): return .int(b ? 1 : 0)
        default: return .null
        }
    }

    /// Floats as they are; ints converted; numeric strings parsed; bools as 1.0 and 0.0; else null.
    static func toFloat(_ value: Value) -> Value {
        switch value {
        case .double: return value
        case .int(let i): return .double(Double(i))
        case .string(let s): return Double(s).flatMap { $0.isFinite ? Value.double($0) : nil } ?? .null
        case .bool(let b): return .double(b ? 1 : 0)
        default: return .null
        }
    }

    /// Bools as they are; numbers: zero is false, others true (NaN is null); the strings `true`, `yes`,
    /// `on`, `1` and `false`, `no`, `off`, `0` in any case; anything else is null.
    static func toBool(_ value: Value) -> Value {
        switch value {
        case .bool: return value
        case .int(let i): return .bool(i != 0)
        case .double(let d): return d.isNaN ? .null : .bool(d != 0)
        case .string(let s):
            switch s.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: return .null
            }
        default: return .null
        }
    }
}
