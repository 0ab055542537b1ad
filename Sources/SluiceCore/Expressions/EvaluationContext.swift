#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The mutable state expressions read while they run: the clock for `now()`, the random stream for
/// `random()` and the generator functions, the counter of each `sequence()` call site, and the count of
/// comparisons that met values of different types.
///
/// One context belongs to one stage instance (a stage's state is touched by one worker at a time), so
/// evaluation needs no locks; a seeded context makes generated streams reproducible.
public struct EvaluationContext: Sendable {
    /// Where `now()` reads the time.
    public let clock: EvaluationClock
    var random: Xoshiro256StarStar
    // A few call sites per stage at most: a linear scan beats hashing.
    private var sequences: [(site: Int, next: Int64)] = []
    /// Comparisons since the last `takeTypeMismatches()` whose operands were of different types.
    private var typeMismatches = 0
    /// The first such comparison, described, until it has been reported once.
    private var firstTypeMismatch: String?
    private var reportedTypeMismatch = false

    /// A context whose random stream starts from `seed` (a fresh random seed by default).
    public init(seed: UInt64 = UInt64.random(in: .min ... .max), clock: EvaluationClock = .system) {
        self.clock = clock
        random = Xoshiro256StarStar(seed: seed)
    }

    /// Counts a comparison (`comparison`, its source text) between `a` and `b`, values of different types.
    /// Out of line: it runs only for mismatches, and keeps the comparison closures small.
    @inline(never)
    mutating func noteTypeMismatch(_ comparison: String, _ a: Value, _ b: Value) {
        typeMismatches += 1
        if firstTypeMismatch == nil && !reportedTypeMismatch {
            firstTypeMismatch = "'\(comparison)' compared \(a.typeName) with \(b.typeName)"
        }
    }

    /// The number of comparisons between values of different types since the last call, and the first
    /// one described (only the first time any is taken, so a stage logs it once).
    public mutating func takeTypeMismatches() -> (count: Int, first: String?) {
        defer {
            typeMismatches = 0
            if firstTypeMismatch != nil { reportedTypeMismatch = true }
            firstTypeMismatch = nil
        }
        return (typeMismatches, firstTypeMismatch)
    }

    /// The next value of the `sequence()` call site `site`: 0, 1, 2, ...
    mutating func nextSequence(site: Int) -> Int64 {
        for index in sequences.indices where sequences[index].site == site {
            defer { sequences[index].next &+= 1 }
            return sequences[index].next
        }
        sequences.append((site, 1))
        return 0
    }
}

/// The source of `now()`: the system clock, or a fixed time for tests.
public struct EvaluationClock: Sendable {
    /// Returns the current time in milliseconds since the Unix epoch.
    public let milliseconds: @Sendable () -> Int64

    /// A clock that calls `milliseconds` for the time.
    public init(milliseconds: @escaping @Sendable () -> Int64) {
        self.milliseconds = milliseconds
    }

    /// The real-time system clock.
    public static let system = EvaluationClock { SystemClock.wallMilliseconds() }

    /// A clock that always answers `milliseconds`.
    public static func fixed(_ milliseconds: Int64) -> EvaluationClock {
        EvaluationClock { milliseconds }
    }
}

/// xoshiro256** (Blackman and Vigna): a fast, small-state generator with good statistical quality,
/// seeded through splitmix64 so any seed, zero included, gives a well-mixed state.
struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    init(seed: UInt64) {
        var mixer = seed
        func splitmix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix()
        s1 = splitmix()
        s2 = splitmix()
        s3 = splitmix()
    }

    mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
