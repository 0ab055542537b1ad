import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// One end-to-end benchmark: a pipeline file that reads the benchmark input.
struct Scenario {
    let name: String
    let pipeline: String
    let summary: String

    static let all = [
        Scenario(
            name: "canonical", pipeline: "pipelines/benchmark.yaml",
            summary: "file → clean → enrich → filter → aggregate (10 s tumbling, by category) → file"),
        Scenario(
            name: "sliding", pipeline: "Benchmarks/pipelines/sliding.yaml",
            summary: "the canonical pipeline with 60 s sliding windows every 10 s"),
        Scenario(
            name: "session", pipeline: "Benchmarks/pipelines/session.yaml",
            summary: "the canonical pipeline with 30 s-gap session windows per category"),
        Scenario(
            name: "passthrough", pipeline: "Benchmarks/pipelines/passthrough.yaml",
            summary: "file → blackhole: reading and JSON decoding alone"),
        Scenario(
            name: "plugin-builtin", pipeline: "Benchmarks/pipelines/plugin-builtin.yaml",
            summary: "file → enrich (wasm: true) → blackhole: the built-in twin of the plugin scenarios"),
        Scenario(
            name: "plugin-process", pipeline: "Benchmarks/pipelines/plugin-process.yaml",
            summary: "file → echo (a Python process plugin setting wasm: true) → blackhole"),
        Scenario(
            name: "plugin-wasm", pipeline: "Benchmarks/pipelines/plugin-wasm.yaml",
            summary: "file → wasm_tag (a WebAssembly plugin setting wasm: true) → blackhole"),
    ]
}

/// `sluice-bench run`: times the real `runner apply` on each scenario as a child process.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run `runner apply` on each benchmark pipeline and report time, throughput and peak RSS.",
        discussion: """
            Each run is a fresh child process (posix_spawn); wall time is measured from spawn to exit and peak \
            RSS is the child's ru_maxrss from wait4. The table shows the median run by wall time; peak RSS is \
            the largest of the runs. The input is passed to the pipelines as ${BENCH_INPUT}. The runner's \
            output (with --stats) goes to out/benchmark/logs/.
            """)

    @Option(help: "The runner binary (default: `runner` next to this executable).")
    var runner: String?

    @Option(help: "The events file the pipelines read.")
    var input = "Benchmarks/data/events.ndjson"

    @Option(
        name: .customLong("scenario"),
        help: """
            Run only these scenarios (repeatable): canonical, sliding, session, passthrough, plugin-builtin, \
            plugin-process, plugin-wasm.
            """)
    var scenarioNames: [String] = []

    @Option(help: "Runs per scenario.")
    var repetitions = 3

    @Option(help: "Worker threads for the runner (default: the number of cores).")
    var workers = coreCount

    @Option(parsing: .upToNextOption, help: "Extra arguments for `runner apply`, e.g. --batch-size 4096.")
    var runnerArguments: [String] = []

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        let unknown = scenarioNames.filter { name in !Scenario.all.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw ValidationError("unknown scenario \(unknown[0]); known: \(Scenario.all.map(\.name))")
        }
    }

    func run() throws {
        let runnerPath = runner ?? executableDirectory() + "/runner"
        guard isExecutable(runnerPath) else {
            throw ValidationError("no runner at \(runnerPath): build it (swift build -c release) or pass --runner")
        }
        guard access(input, R_OK) == 0 else {
            throw ValidationError("no input at \(input): run `sluice-bench generate` first")
        }
        setenv("BENCH_INPUT", input, 1)
        let (events, bytes) = try lineAndByteCount(of: input)
        let scenarios = scenarioNames.isEmpty ? Scenario.all : Scenario.all.filter { scenarioNames.contains($0.name) }
        print("input: \(input), \(grouped(Int64(events))) events, \(format(Double(bytes) / 1e6, decimals: 1)) MB")
        print("runner: \(runnerPath) --workers \(workers) \(runnerArguments.joined(separator: " "))")

        var table = TextTable(["scenario", "events", "seconds", "events/s", "MB/s", "CPU s", "peak RSS MiB"])
        for scenario in scenarios {
            var runs: [ChildUsage] = []
            for repetition in 1...repetitions {
                let log = "out/benchmark/logs/\(scenario.name)-\(repetition).log"
                let arguments =
                    [runnerPath, "apply", "--no-api", scenario.pipeline, "--workers", String(workers), "--stats"]
                    + runnerArguments
                let usage = try runChild(arguments, logPath: log)
                guard usage.status == 0 else {
                    throw ValidationError("\(scenario.name): runner exited with status \(usage.status); see \(log)")
                }
                print(
                    "  \(scenario.name) run \(repetition): \(format(usage.wallSeconds, decimals: 3)) s, "
                        + "\(format(Double(usage.peakResidentBytes) / 1_048_576, decimals: 1)) MiB")
                runs.append(usage)
            }
            let middle = runs.sorted { $0.wallSeconds < $1.wallSeconds }[runs.count / 2]
            let peak = runs.map(\.peakResidentBytes).max()!
            table.append([
                scenario.name, grouped(Int64(events)), format(middle.wallSeconds, decimals: 3),
                grouped(Int64(Double(events) / middle.wallSeconds)),
                format(Double(bytes) / 1e6 / middle.wallSeconds, decimals: 1),
                format(middle.userSeconds + middle.systemSeconds, decimals: 2),
                format(Double(peak) / 1_048_576, decimals: 1),
            ])
        }
        print()
        print(table.render())
        print()
        for scenario in scenarios { print("\(scenario.name): \(scenario.pipeline) — \(scenario.summary)") }
    }
}
