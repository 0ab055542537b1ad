import ArgumentParser

/// `sluice-bench`: generates the benchmark input, times the real `runner` on the benchmark pipelines, and
/// measures the engine's queue hand-off in process. `Benchmarks/run.sh` runs all of it.
@main
struct SluiceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice-bench",
        abstract: "Sluice throughput and memory benchmarks.",
        discussion: "Run from the repository root; paths are relative to it. Benchmarks/README.md explains each mode.",
        subcommands: [
            GenerateCommand.self, RunCommand.self, QueueCommand.self, ReloadCommand.self, FuzzCommand.self,
            SQLiteCommand.self, PostgresCommand.self, KafkaCommand.self,
        ]
    )
}
