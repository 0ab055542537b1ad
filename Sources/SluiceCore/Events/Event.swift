/// One record flowing through a pipeline: an ordered set of named, typed fields.
///
/// Fields are kept in insertion order in one small array, so an event costs one allocation however
/// many fields it has (strings of up to 15 UTF-8 bytes are stored inline by Swift). Lookups scan the
/// array comparing interned `FieldName`s, which beats hashing for the handful of fields events carry.
/// An `Event` is also the payload of an object `Value`.
public struct Event: Sendable, Hashable {
    /// One field: an interned name and its value.
    public struct Field: Sendable, Hashable {
        public var name: FieldName
        public var value: Value

        @inlinable
        public init(name: FieldName, value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in the order they were first set.
    public var fields: [Field]

    /// An event with no fields, with room reserved for `capacity` of them.
    @inlinable
    public init(capacity: Int = 0) {
        fields = []
        if capacity > 0 { fields.reserveCapacity(capacity) }
    }

    /// An event with the given fields, in order; a later duplicate name replaces the earlier value.
    public init(_ pairs: KeyValuePairs<String, Value>) {
        self.init(capacity: pairs.count)
        for (name, value) in pairs { self[FieldName(name)] = value }
    }

    /// The number of fields.
    @inlinable
    public var count: Int { fields.count }

    /// The value of field `name`; `nil` when absent. Setting `nil` removes the field.
    @inlinable
    public subscript(name: FieldName) -> Value? {
        get {
            for field in fields where field.name == name { return field.value }
            return nil
        }
        set {
            if let index = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append(Field(name: name, value: newValue))
            }
        }
    }

    /// The value of the top-level field spelled `name`; convenient in tests, slower than the `FieldName` form.
    public subscript(name: String) -> Value? {
        get { self[FieldName(name)] }
        set { self[FieldName(name)] = newValue }
    }

    /// The value at a dotted path such as `user.id`, walking nested objects; `nil` when any step is absent.
    @inlinable
    public func value(at path: FieldPath) -> Value? {
        guard var current = self[path.head] else { return nil }
        for name in path.tail {
            guard case .object(let nested) = current, let next = nested[name] else { return nil }
            current = next
        }
        return current
    }

    /// Sets the value at a dotted path, creating intermediate objects (and replacing non-objects) as needed.
    public mutating func setValue(_ value: Value?, at path: FieldPath) {
        if path.tail.isEmpty {
            self[path.head] = value
            return
        }
        var nested: Event
        if case .object(let existing) = self[path.head] { nested = existing } else {
            guard value != nil else { return }
            nested = Event()
        }
        nested.setValue(value, at: FieldPath(head: path.tail[0], tail: Array(path.tail.dropFirst())))
        self[path.head] = .object(nested)
    }
}

/// A field reference such as `user.id`: a top-level name and the names inside nested objects.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public let head: FieldName
    public let tail: [FieldName]

    public init(head: FieldName, tail: [FieldName] = []) {
        self.head = head
        self.tail = tail
    }

    /// Parses a dotted path; every segment must be non-empty.
    public init?(_ dotted: String) {
        let parts = dotted.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(head: FieldName(String(parts[0])), tail: parts.dropFirst().map { FieldName(String($0)) })
    }

    public var description: String {
        ([head] + tail).map(\.string).joined(separator: ".")
    }
}
