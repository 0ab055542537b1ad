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
        if case .object(let existing) = self[path.head] {
            nested = existing
        } else {
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

    /// Parses a dotted path such as `user.id`. A segment written in backticks is one name whatever it
    /// holds, as in expressions: `` `user.address.city` `` is one top-level field, `` a.`b.c` `` two
    /// levels. Every segment must be non-empty; `nil` otherwise, or when a backtick is not closed or
    /// text follows a closing backtick inside a segment.
    public init?(_ dotted: String) {
        var names: [String] = []
        var rest = Substring(dotted)
        while true {
            let name: Substring
            if rest.first == "`" {
                let inside = rest.dropFirst()
                guard let close = inside.firstIndex(of: "`") else { return nil }
                name = inside[..<close]
                rest = inside[inside.index(after: close)...]
                guard rest.isEmpty || rest.first == "." else { return nil }
            } else {
                let end = rest.firstIndex(of: ".") ?? rest.endIndex
                name = rest[..<end]
                rest = rest[end...]
            }
            guard !name.isEmpty else { return nil }
            names.append(String(name))
            guard rest.first == "." else { break }
            rest = rest.dropFirst()
        }
        self.init(head: FieldName(names[0]), tail: names.dropFirst().map(FieldName.init))
    }

    /// The path as `init?(_:)` reads it: names joined by dots, a name holding a dot or starting with a
    /// backtick in backticks.
    public var description: String {
        ([head] + tail).map { name in
            let text = name.string
            return text.contains(".") || text.hasPrefix("`") ? "`\(text)`" : text
        }.joined(separator: ".")
    }
}
