extension BuiltinFunctions {
    /// Random numbers from the stage's stream (seeded in tests) and stable hashes.
    static let randomFunctions: [BuiltinFunction] = [
        BuiltinFunction("random", [], pure: false, returns: .float) { _ in
            { _, context in .double(Double.random(in: 0..<1, using: &context.random)) }
        },
        randomInteger("random_int", generator: false),
        BuiltinFunction("hash", [anything, Self.text], minimum: 1, result: hashType) { call in
            let name = call.arguments.count > 1 ? call.constantString(1, "algorithm") : HashAlgorithm.fnv1a.rawValue
            guard let name else { return { _, _ in .null } }
            guard let algorithm = HashAlgorithm(rawValue: name) else {
                let names = HashAlgorithm.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                call.reject(argument: 1, "unknown hash algorithm \"\(name)\"; expected one of \(names)")
                return { _, _ in .null }
            }
            let value = call.arguments[0].evaluate
            return { event, context in
                guard let text = ValueSemantics.text(of: value(event, &context)) else { return .null }
                return algorithm.hash(text)
            }
        },
    ]

    /// Functions only the `generate` source may call.
    static let generatorFunctions: [BuiltinFunction] = [
        BuiltinFunction("sequence", [], generator: true, returns: .int) { call in
            let site = call.site
            return { _, context in .int(context.nextSequence(site: site)) }
        },
        BuiltinFunction("choice", [[.array]], generator: true, result: choiceType) { call in
            let argument = call.arguments[0].evaluate
            return { event, context in
                guard case .array(let items) = argument(event, &context), !items.isEmpty else { return .null }
                return items[Int.random(in: 0..<items.count, using: &context.random)]
            }
        },
        BuiltinFunction("uniform", [numeric, numeric], generator: true, returns: .float) { call in
            let (a, b) = (call.arguments[0].evaluate, call.arguments[1].evaluate)
            return { event, context in
                guard let low = a(event, &context).number, let high = b(event, &context).number,
                    low <= high, (high - low).isFinite
                else { return .null }
                return .double(low == high ? low : Double.random(in: low..<high, using: &context.random))
            }
        },
        randomInteger("uniform_int", generator: true),
    ]

    /// An int in `[lo, hi]`, both ends inclusive (null when `lo > hi`).
    private static func randomInteger(_ name: String, generator: Bool) -> BuiltinFunction {
        BuiltinFunction(name, [numeric, numeric], generator: generator, pure: false, returns: .int) { call in
            let (a, b) = (call.arguments[0].evaluate, call.arguments[1].evaluate)
            return { event, context in
                guard case .int(let low) = ValueConversions.toInt(a(event, &context)),
                    case .int(let high) = ValueConversions.toInt(b(event, &context)), low <= high
                else { return .null }
                return .int(Int64.random(in: low...high, using: &context.random))
            }
        }
    }

    /// The element type of a literal array argument, when all elements agree.
    private static func choiceType(_ arguments: [CompiledNode]) -> ValueType {
        guard case .array(let items)? = arguments[0].constant, !items.isEmpty else { return .any }
        return items.dropFirst().reduce(ValueType(of: items[0])) { $0.union(ValueType(of: $1)) }
    }

    private static func hashType(_ arguments: [CompiledNode]) -> ValueType {
        guard arguments.count > 1 else { return .int }
        guard case .string(let name)? = arguments[1].constant, let algorithm = HashAlgorithm(rawValue: name) else {
            return .any
        }
        return algorithm.resultType
    }
}

/// The algorithms of `hash()`. Each hashes the UTF-8 bytes of a string, or of another value's `to_string`
/// text, and gives the same result on every run and machine.
enum HashAlgorithm: String, CaseIterable, Sendable {
    /// 64-bit FNV-1a, as an int (the unsigned hash's bits read as a signed 64-bit integer).
    case fnv1a

    var resultType: ValueType { .int }

    func hash(_ text: String) -> Value {
        switch self {
        case .fnv1a:
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return .int(Int64(bitPattern: hash))
        }
    }
}
