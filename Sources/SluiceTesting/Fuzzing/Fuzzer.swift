/// What a fuzz run did.
public struct FuzzReport: Sendable {
    /// Inputs run.
    public var iterations = 0
    /// Inputs the target accepted as valid.
    public var accepted = 0
    /// The slowest input and how long it took, to spot inputs that are slow rather than fatal.
    public var slowestSeconds = 0.0
    public var slowestInput = ""
}

/// Feeds a target random and mutated inputs: each is either written by the target's generator or a mutation
/// of an input from the corpus or of one the target accepted earlier (so mutations reach past the first
/// syntax checks). A run is fixed by its seed; a crash ends the process, which is what a run must never do.
public enum Fuzzer {
    /// The most accepted inputs kept as material for further mutation.
    static let poolSize = 500

    /// Runs `target` with inputs drawn from `seed` until `stop` (given the iterations so far) says so;
    /// `willRun` sees each input just before it runs (the benchmark keeps it to report a crash).
    public static func run(
        _ target: FuzzTarget, seed: UInt64, until stop: (Int) -> Bool, willRun: (String) -> Void = { _ in }
    ) -> FuzzReport {
        var random = SplitMix64(seed: seed)
        var pool = target.corpus
        var report = FuzzReport()
        let clock = ContinuousClock()
        while !stop(report.iterations) {
            let input: String
            if let generate = target.generate, random.chance(30) {
                input = generate(&random)
            } else {
                let base = pool.randomElement(using: &random) ?? ""
                input = target.mutator.mutate(base, corpus: target.corpus, using: &random)
            }
            willRun(input)
            let started = clock.now
            let accepted = target.run(input)
            let elapsed = started.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            report.iterations += 1
            if seconds > report.slowestSeconds {
                report.slowestSeconds = seconds
                report.slowestInput = input
            }
            guard accepted else { continue }
            report.accepted += 1
            if pool.count < target.corpus.count + poolSize {
                pool.append(input)
            } else {
                pool[Int.random(in: target.corpus.count..<pool.count, using: &random)] = input
            }
        }
        return report
    }
}
