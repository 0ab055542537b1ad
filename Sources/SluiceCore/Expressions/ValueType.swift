/// The static type of an expression, known when the pipeline compiles.
///
/// Every type may also be null at run time (a missing field reads as null), so `int` means "an int or
/// null". `number` is an int or a float; `any` is a field or result whose type is only known per event.
public enum ValueType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case null
    case bool
    case int
    case float
    case number
    case string
    case array
    case object
    case any

    public var description: String { rawValue }

    /// The type of one run-time value.
    public init(of value: Value) {
        switch value {
        case .null: self = .null
        case .bool: self = .bool
        case .int: self = .int
        case .double: self = .float
        case .string: self = .string
        case .array: self = .array
        case .object: self = .object
        }
    }

    /// True when a value of this type may, at run time, also be a value of `other`.
    public func canBe(_ other: ValueType) -> Bool {
        if self == other || self == .any || other == .any { return true }
        return isNumeric && other.isNumeric && (self == .number || other == .number)
    }

    /// True for `int`, `float` and `number`.
    public var isNumeric: Bool { self == .int || self == .float || self == .number }

    /// The narrowest type that covers values of both types (null adds nothing: every type may be null).
    func union(_ other: ValueType) -> ValueType {
        if self == other || other == .null { return self }
        if self == .null { return other }
        if isNumeric && other.isNumeric { return .number }
        return .any
    }
}
