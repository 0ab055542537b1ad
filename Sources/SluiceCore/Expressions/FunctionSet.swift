/// Which functions an expression may call: the standard ones everywhere, plus the generator functions
/// (`sequence`, `choice`, `uniform`, `uniform_int`) where a stage allows them (the `generate` source).
public struct FunctionSet: Sendable, Hashable {
    /// True when the generator functions may be called.
    public let allowsGenerators: Bool

    /// The functions every expression may call.
    public static let standard = FunctionSet(allowsGenerators: false)
    /// The standard functions plus `sequence()`, `choice()`, `uniform()` and `uniform_int()`.
    public static let generators = FunctionSet(allowsGenerators: true)

    /// The names of the callable functions, sorted.
    public var names: [String] {
        BuiltinFunctions.all.values.filter { allowsGenerators || !$0.isGenerator }.map(\.name).sorted()
    }
}
