import ArgumentParser
import SluiceCore
import SluiceStages
import SluiceTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice-bench fuzz`: feeds the expression language and the pipeline loader random and mutated inputs for a
/// while; a run that ends has found no crash.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Fuzz the expression compiler and the pipeline loader; any crash is a bug.",
        discussion: """
            `expression` compiles each input as an expression and as a metric call and evaluates what compiles \
            against events with extreme values; `pipeline` loads each input as a pipeline file and compiles it \
            with the built-in stages. Inputs are generated from the expression grammar or mutated from a corpus \
            (valid expressions; the files of --corpus and every stage's example). Before each input runs it is \
            kept in memory; if the process crashes, a signal handler writes it to --crash-folder/TARGET.crash. \
            The slowest input of each target is written to --crash-folder/TARGET.slowest.
            """)

    /// The fuzz targets.
    enum TargetName: String, CaseIterable, ExpressibleByArgument {
        case expression
        case pipeline
    }

    @Option(parsing: .upToNextOption, help: "Targets to fuzz, one after the other.")
    var target: [TargetName] = TargetName.allCases

    @Option(help: "Seconds to fuzz each target.")
    var seconds = 60.0

    @Option(help: "The seed of the random inputs (default: random); the same seed repeats a run.")
    var seed: UInt64?

    @Option(help: "Folder of pipeline files (*.yaml) to mutate.")
    var corpus = "pipelines"

    @Option(help: "Where a crashing input is written.")
    var crashFolder = "out/fuzz"

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let seed = seed ?? UInt64.random(in: 0 ... .max)
        try makeParentDirectories(of: crashFolder + "/x")
        for name in target {
            let fuzzTarget: FuzzTarget
            switch name {
            case .expression: fuzzTarget = .expression()
            case .pipeline: fuzzTarget = .pipeline(registry: BuiltinStages.registry, corpus: try pipelineFiles())
            }
            let keeper = CrashInputKeeper.install(path: "\(crashFolder)/\(name.rawValue).crash")
            let deadline = monotonicSeconds() + seconds
            let report = Fuzzer.run(fuzzTarget, seed: seed, until: { _ in monotonicSeconds() >= deadline }) {
                keeper.keep($0)
            }
            let slowestPath = "\(crashFolder)/\(name.rawValue).slowest"
            let slowest = try OutputFile(path: slowestPath)
            try slowest.write(Array(report.slowestInput.utf8))
            _ = try slowest.close()
            print(
                "\(name.rawValue): \(grouped(Int64(report.iterations))) inputs in \(format(seconds, decimals: 0)) s "
                    + "(seed \(seed)), \(grouped(Int64(report.accepted))) valid, no crash; slowest "
                    + "\(format(report.slowestSeconds * 1_000, decimals: 1)) ms "
                    + "(\(report.slowestInput.unicodeScalars.count) characters, in \(slowestPath))")
        }
    }

    /// The texts of the corpus folder's `*.yaml` files.
    private func pipelineFiles() throws -> [String] {
        guard let directory = opendir(corpus) else { throw SystemCallError("opendir \(corpus)") }
        defer { closedir(directory) }
        var texts: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasSuffix(".yaml"), case .success(let text) = TextFile.read("\(corpus)/\(name)") else {
                continue
            }
            texts.append(text)
        }
        return texts.sorted()
    }
}
