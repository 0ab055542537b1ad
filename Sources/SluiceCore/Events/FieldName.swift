import Synchronization

/// An interned field name: a small integer that stands for one field name string for the life of the process.
///
/// Names are interned once, when a pipeline compiles or when a decoder first meets a key, so events compare
/// and look up fields by integer instead of by string. The table only grows; two equal strings always
/// intern to the same `FieldName`.
public struct FieldName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The position of the name in the process-wide table.
    public let id: UInt32

    /// Interns `name`, returning the same value for every equal string.
    public init(_ name: String) {
        self = FieldNameTable.shared.intern(name)
    }

    /// The name spelled `name` if it was ever interned, else `nil`: then no event has a field of that
    /// name, and looking it up interns nothing (a field name read from event data cannot grow the table).
    public init?(existing name: String) {
        guard let field = FieldNameTable.shared.existing(name) else { return nil }
        self = field
    }

    init(id: UInt32) {
        self.id = id
    }

    /// The name's text.
    public var string: String {
        FieldNameTable.shared.name(of: self)
    }

    public var description: String { string }

    public static func < (lhs: FieldName, rhs: FieldName) -> Bool {
        lhs.string < rhs.string
    }
}

/// The process-wide table behind `FieldName`.
///
/// Reads and writes take a lock; hot paths (JSON decoding and encoding) keep their own caches keyed by
/// `FieldName.id` and come here only on a miss.
final class FieldNameTable: Sendable {
    static let shared = FieldNameTable()

    private struct State {
        var ids: [String: UInt32] = [:]
        var names: [String] = []
    }

    private let state = Mutex(State())

    func intern(_ name: String) -> FieldName {
        state.withLock { state in
            if let id = state.ids[name] { return FieldName(id: id) }
            let id = UInt32(state.names.count)
            state.names.append(name)
            state.ids[name] = id
            return FieldName(id: id)
        }
    }

    func existing(_ name: String) -> FieldName? {
        state.withLock { state in state.ids[name].map { FieldName(id: $0) } }
    }

    func name(of field: FieldName) -> String {
        state.withLock { $0.names[Int(field.id)] }
    }
}
