/// The run-time meaning of the operators, shared by evaluation and constant folding.
///
/// The rules (documented in docs/expressions.md): null equals only null; ordering involving null or
/// mismatched types is false; arithmetic with null, or on types it does not apply to, gives null; an int
/// mixed with a float is promoted to float; `/` of two ints is an int when it divides exactly and a float
/// otherwise, `//` truncates toward zero; an int result outside the 64-bit range (overflow, including
/// `Int64.min / -1` and `-Int64.min`) gives null, as does division or remainder by zero and a float result
/// that is not finite (JSON cannot carry it). No operand can trap.
enum ValueSemantics {
    /// `==`: numbers compare by value across int and float, arrays element-wise, other types by equality;
    /// values of different types are never equal.
    static func equals(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.int(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .int(let y)): return x == Double(y)
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equals($0, $1) }
        case (.object(let x), .object(let y)): return x == y
        default: return false
        }
    }

    /// True when `a` and `b` are both present (not null) but of types that are never equal nor ordered
    /// (a number and a string, say): such a comparison is false, and counted as `type_mismatch`.
    static func isTypeMismatch(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, _), (_, .null): return false
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return false
        case (.bool, .bool), (.string, .string), (.array, .array), (.object, .object): return false
        default: return true
        }
    }

    /// The order of two numbers or two strings: negative, zero or positive; `nil` for any other pair.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.int(let x), .double(let y)): return order(Double(x), y)
        case (.double(let x), .int(let y)): return order(x, Double(y))
        case (.double(let x), .double(let y)): return order(x, y)
        case (.string(let x), .string(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        default: return nil
        }
    }

    private static func order(_ x: Double, _ y: Double) -> Int? {
        x < y ? -1 : (x == y ? 0 : (x > y ? 1 : nil))
    }

    /// True when `op` (an ordering operator) holds between `a` and `b`.
    static func holds(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Bool {
        guard let order = compare(a, b) else { return false }
        return op.holds(order)
    }

    /// `x in list`: true when `list` is an array with an element equal to `x`.
    static func isMember(_ x: Value, of list: Value) -> Bool {
        guard case .array(let items) = list else { return false }
        return items.contains { equals(x, $0) }
    }

    /// `+ - * / // %` on two values.
    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return integer(op, x, y)
        case (.int(let x), .double(let y)): return float(op, Double(x), y)
        case (.double(let x), .int(let y)): return float(op, x, Double(y))
        case (.double(let x), .double(let y)): return float(op, x, y)
        case (.string(let x), .string(let y)) where op == .add: return .string(x + y)
        default: return .null
        }
    }

    static func integer(_ op: BinaryOperator, _ x: Int64, _ y: Int64) -> Value {
        let result: (partialValue: Int64, overflow: Bool)
        switch op {
        case .add: result = x.addingReportingOverflow(y)
        case .subtract: result = x.subtractingReportingOverflow(y)
        case .multiply: result = x.multipliedReportingOverflow(by: y)
        case .divide:
            guard y != 0 else { return .null }
            // Exact quotients stay ints (`6 / 3` is 2); others are floats (`7 / 2` is 3.5), so a ratio of
            // two counts is not silently 0. `Int64.min % -1` reports an overflow, but its remainder is 0.
            guard x.remainderReportingOverflow(dividingBy: y).partialValue == 0 else {
                return float(.divide, Double(x), Double(y))
            }
            result = x.dividedReportingOverflow(by: y)
        case .integerDivide:
            guard y != 0 else { return .null }
            result = x.dividedReportingOverflow(by: y)
        case .remainder:
            guard y != 0 else { return .null }
            // `Int64.min % -1` reports an overflow, but its remainder, 0, is exact.
            return .int(x.remainderReportingOverflow(dividingBy: y).partialValue)
        default: preconditionFailure("\(op) is not an arithmetic operator")
        }
        return result.overflow ? .null : .int(result.partialValue)
    }

    static func float(_ op: BinaryOperator, _ x: Double, _ y: Double) -> Value {
        let result: Double
        switch op {
        case .add: result = x + y
        case .subtract: result = x - y
        case .multiply: result = x * y
        case .divide: result = x / y
        case .integerDivide: result = (x / y).rounded(.towardZero)
        case .remainder: result = x.truncatingRemainder(dividingBy: y)
        default: preconditionFailure("\(op) is not an arithmetic operator")
        }
        return result.isFinite ? .double(result) : .null
    }

    /// Unary minus; null for non-numbers and for the smallest int, whose negation is out of range.
    static func negate(_ value: Value) -> Value {
        switch value {
        case .int(let i): return i == .min ? .null : .int(-i)
        case .double(let d): return .double(-d)
        default: return .null
        }
    }

    /// True only for `.bool(true)`: the truth test of conditions, `&&`, `||`, `!` and `if()`.
    @inline(__always)
    static func isTrue(_ value: Value) -> Bool {
        if case .bool(true) = value { return true }
        return false
    }

    /// The text `to_string()` and `concat()` give a value; `nil` for null.
    static func text(of value: Value) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return value.description
        }
    }
}
