#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension BuiltinFunctions {
    /// Arithmetic functions. Every result outside the int range, or a float that is not finite, is null.
    static let numberFunctions: [BuiltinFunction] = [
        BuiltinFunction("round", [numeric, [.int]], minimum: 1, result: roundType) { call in
            let value = call.arguments[0].evaluate
            guard call.arguments.count == 2 else {
                return { event, context in rounded(value(event, &context), .toNearestOrAwayFromZero) }
            }
            let digits = call.arguments[1].evaluate
            return { event, context in
                guard case .int(let places) = digits(event, &context) else { return .null }
                return rounded(value(event, &context), toPlaces: places)
            }
        },
        unary("floor", numeric, result: .int) { rounded($0, .down) },
        unary("ceil", numeric, result: .int) { rounded($0, .up) },
        BuiltinFunction("abs", [numeric], result: { $0[0].type == .any ? .number : $0[0].type }) { call in
            let argument = call.arguments[0].evaluate
            return { event, context in
                switch argument(event, &context) {
                case .int(let i): return i < 0 ? ValueSemantics.negate(.int(i)) : .int(i)
                case .double(let d): return .double(Swift.abs(d))
                default: return .null
                }
            }
        },
        extreme("min", keeps: { $0 < 0 }),
        extreme("max", keeps: { $0 > 0 }),
        binary("pow", numeric, numeric, result: .number) { base, exponent in
            if case .int(let b) = base, case .int(let e) = exponent, e >= 0 { return integerPower(b, e) }
            guard let b = base.number, let e = exponent.number else { return .null }
            return finite(Glibc.pow(b, e))
        },
        unary("sqrt", numeric, result: .float) { value in
            guard let x = value.number, x >= 0 else { return .null }
            return .double(x.squareRoot())
        },
        unary("log", numeric, result: .float) { value in
            guard let x = value.number, x > 0 else { return .null }
            return finite(Glibc.log(x))
        },
        unary("log10", numeric, result: .float) { value in
            guard let x = value.number, x > 0 else { return .null }
            return finite(Glibc.log10(x))
        },
        unary("exp", numeric, result: .float) { value in
            guard let x = value.number else { return .null }
            return finite(Glibc.exp(x))
        },
    ]

    private static func roundType(_ arguments: [CompiledNode]) -> ValueType {
        guard arguments.count == 2 else { return .int }
        return arguments[0].type == .any ? .number : arguments[0].type
    }

    /// `min(a, b, ...)` or `max(a, b, ...)` of numbers or of strings, skipping nulls; `keeps` says whether a
    /// value whose order against the best so far is the argument replaces it.
    private static func extreme(_ name: String, keeps: @escaping @Sendable (Int) -> Bool) -> BuiltinFunction {
        BuiltinFunction(
            name, [[.number, .string]], minimum: 2, variadic: true,
            arityHint: "\(name)(x) of one field over many events is an aggregate metric (in an aggregate's "
                + "metrics); in other expressions \(name)() compares two or more values",
            result: { union($0[...]) }
        ) { call in
            let evaluators = call.evaluators
            return { event, context in
                var best = Value.null
                for evaluate in evaluators {
                    let value = evaluate(event, &context)
                    if value.isNull { continue }
                    if best.isNull {
                        best = value
                        continue
                    }
                    guard let order = ValueSemantics.compare(value, best) else { return .null }
                    if keeps(order) { best = value }
                }
                return best
            }
        }
    }

    /// Rounds a number to an int with `rule`; null when not a number or out of the int range.
    static func rounded(_ value: Value, _ rule: FloatingPointRoundingRule) -> Value {
        switch value {
        case .int: return value
        case .double(let d): return Int64(exactly: d.rounded(rule)).map(Value.int) ?? .null
        default: return .null
        }
    }

    /// Rounds a number to `places` decimal places (negative: to tens, hundreds, ...), halves away from zero.
    /// Ints stay ints; floats stay floats.
    static func rounded(_ value: Value, toPlaces places: Int64) -> Value {
        switch value {
        case .int(let i):
            guard places < 0 else { return value }
            // 10^19 is beyond the int range: every int rounds to 0, or to ±10^19, which is out of range.
            guard places > -19 else { return i.magnitude < 5_000_000_000_000_000_000 ? .int(0) : .null }
            var scale: Int64 = 1
            for _ in 0..<(-places) { scale *= 10 }
            let half = scale / 2
            let remainder = i % scale
            let down = i - remainder
            guard Swift.abs(remainder) >= half else { return .int(down) }
            let (result, overflow) = down.addingReportingOverflow(i < 0 ? -scale : scale)
            return overflow ? .null : .int(result)
        case .double(let d):
            // Beyond 308 places the scale is not finite; beyond 2^52 a float has no fraction to round.
            guard places.magnitude <= 308 else { return places > 0 ? value : .double(0) }
            let scale = Glibc.pow(10, Double(places.magnitude))
            let scaled = places >= 0 ? d * scale : d / scale
            guard scaled.isFinite, Swift.abs(scaled) < 4_503_599_627_370_496 else { return value }
            let whole = scaled.rounded(.toNearestOrAwayFromZero)
            return finite(places >= 0 ? whole / scale : whole * scale)
        default:
            return .null
        }
    }

    /// `base` to the power `exponent` (≥ 0) by squaring; null when the result leaves the int range.
    static func integerPower(_ base: Int64, _ exponent: Int64) -> Value {
        var result: Int64 = 1
        var factor = base
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 {
                let (product, overflow) = result.multipliedReportingOverflow(by: factor)
                if overflow { return .null }
                result = product
            }
            remaining >>= 1
            guard remaining > 0 else { break }
            let (square, overflow) = factor.multipliedReportingOverflow(by: factor)
            if overflow { return .null }
            factor = square
        }
        return .int(result)
    }

    /// `x` as a value, null when it is not finite (JSON cannot carry it).
    static func finite(_ x: Double) -> Value {
        x.isFinite ? .double(x) : .null
    }
}
