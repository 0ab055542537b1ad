import SluiceCore

/// The type of a table column, as pipeline files spell it (`columns: { total: real }`), and the rules for
/// which event values it stores.
///
/// | type | from values | stores |
/// |---|---|---|
/// | `integer` | int | ints, and floats with no fractional part |
/// | `real` | float | floats and ints |
/// | `text` | string | strings |
/// | `boolean` | bool | `true`/`false` as 1/0 |
/// | `json` | array, object | any value, as its JSON text |
/// | `any` | — | any value as it is (objects and arrays as JSON text); for existing columns of other types |
///
/// `null` fits every column. Anything else is a wrong-typed value: the row is rejected, not stored in part.
public enum ColumnType: String, Sendable, Hashable, CaseIterable {
    case integer
    case real
    case text
    case boolean
    case json
    case any

    /// The types a pipeline file may declare (`any` is only ever read from an existing table).
    public static var declarable: [ColumnType] { allCases.filter { $0 != .any } }

    /// The type of a column created for `value`: `nil` for null, which says nothing about the type.
    public init?(inferringFrom value: Value) {
        switch value {
        case .null: return nil
        case .bool: self = .boolean
        case .int: self = .integer
        case .double: self = .real
        case .string: self = .text
        case .array, .object: self = .json
        }
    }

    /// The type to create for a field whose first value was of type `self` and that later holds `value`
    /// in the same batch: an integer column becomes real when floats show up too.
    func widened(toHold value: Value) -> ColumnType {
        if self == .integer, case .double(let number) = value, Int64(exactly: number) == nil { return .real }
        return self
    }

    /// How `value` is stored in a column of this type, or `nil` when it does not fit.
    public func storedValue(for value: Value) -> StoredValue? {
        switch (self, value) {
        case (_, .null): return .null
        case (.integer, .int(let number)), (.any, .int(let number)): return .integer(number)
        case (.integer, .double(let number)):
            // A whole float (3.0) is an integer; Int64(exactly:) also refuses what is out of range.
            return Int64(exactly: number).map { .integer($0) }
        case (.real, .double(let number)), (.any, .double(let number)): return .real(number)
        case (.real, .int(let number)): return .real(Double(number))
        case (.text, .string(let text)), (.any, .string(let text)): return .text(text)
        case (.boolean, .bool(let flag)), (.any, .bool(let flag)): return .integer(flag ? 1 : 0)
        case (.json, _), (.any, .array), (.any, .object): return .json(value)
        default: return nil
        }
    }
}

/// A value as a column stores it.
public enum StoredValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// Written as the value's JSON text.
    case json(Value)
}
