extension ExpressionCompiler {
    /// An object literal: its keys must differ; its values are evaluated in order.
    mutating func compileObject(_ entries: [ObjectEntry]) -> CompiledNode {
        var seen: Set<String> = []
        for entry in entries where !seen.insert(entry.key).inserted {
            error(entry.keyOffset, "the key '\(entry.key)' appears twice in this object")
        }
        let compiled = entries.map { (name: FieldName($0.key), value: compile($0.value)) }
        let members = compiled.map { (name: $0.name, evaluate: $0.value.evaluate) }
        let node = CompiledNode(type: .object) { event, context in
            var object = Event(capacity: members.count)
            for member in members {
                object.fields.append(Event.Field(name: member.name, value: member.evaluate(event, &context)))
            }
            return .object(object)
        }
        return compiled.allSatisfy({ $0.value.constant != nil }) ? node.folded() : node
    }

    /// `base[index]...` and `base.name...`: a missing element or field, or a step on a value that is not
    /// an array or object, gives null.
    mutating func compileAccess(_ baseSyntax: SyntaxNode, _ steps: [AccessStep]) -> CompiledNode {
        let base = compile(baseSyntax)
        if base.type != .null, !base.type.canBe(.array), !base.type.canBe(.object) {
            error(steps[0].offset, "only arrays and objects have elements or fields, found \(base.type)")
        }
        var accessors: [Accessor] = []
        var constant = base.constant != nil
        for step in steps {
            switch step.kind {
            case .member(let name):
                accessors.append(.field(name))
            case .index(let syntax):
                let index = compile(syntax)
                switch index.constant {
                case .int(let position)?: accessors.append(.element(position))
                case .string(let name)?: accessors.append(.field(FieldName(name)))
                case .null?: accessors.append(.dynamic { _, _ in .null })
                default:
                    if !index.type.canBe(.int) && !index.type.canBe(.string) {
                        error(
                            step.offset, "an index must be an int (arrays) or a string (objects), found \(index.type)")
                    }
                    constant = false
                    accessors.append(.dynamic(index.evaluate))
                }
            }
        }
        let value = base.evaluate
        let steps = accessors
        let node = CompiledNode(type: .any) { event, context in
            var current = value(event, &context)
            for accessor in steps {
                current = accessor.step(into: current, event, &context)
                if current.isNull { return .null }
            }
            return current
        }
        return constant ? node.folded() : node
    }
}

/// One step of an access chain, resolved as far as the compiler could.
enum Accessor: Sendable {
    /// An array element by position; negative positions count from the end (`-1` is the last).
    case element(Int64)
    case field(FieldName)
    /// An index known per event: an int reads an array element, a string an object field.
    case dynamic(Evaluator)

    func step(into value: Value, _ event: Event, _ context: inout EvaluationContext) -> Value {
        switch (self, value) {
        case (.element(let position), .array(let items)):
            return Self.element(position, of: items)
        case (.field(let name), .object(let object)):
            return object[name] ?? .null
        case (.dynamic(let index), _):
            switch (index(event, &context), value) {
            case (.int(let position), .array(let items)): return Self.element(position, of: items)
            case (.string(let name), .object(let object)):
                // Never interning a name read from data: a name nobody interned is no field of any event.
                return FieldName(existing: name).flatMap { object[$0] } ?? .null
            default: return .null
            }
        default:
            return .null
        }
    }

    private static func element(_ position: Int64, of items: [Value]) -> Value {
        let index = position < 0 ? Int64(items.count) + position : position
        return index >= 0 && index < Int64(items.count) ? items[Int(index)] : .null
    }
}
