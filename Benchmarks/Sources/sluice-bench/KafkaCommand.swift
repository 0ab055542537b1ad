import ArgumentParser
import SluiceKafka

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice-bench kafka`: events per second into and out of Kafka through the real runner, against
/// librdkafka's mock cluster started in this process.
///
/// Each repetition starts a fresh cluster with topic `bench`, then runs `runner apply` twice as a child
/// process: `kafka-produce.yaml` (generate → kafka sink) until it exits, and `kafka-consume.yaml` (kafka
/// source → blackhole) until its group has committed every record, when it is stopped with SIGTERM. The
/// runner's CPU time (from `wait4`) gives events per CPU second; the mock brokers' work is this process's.
struct KafkaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Measure produce and consume events/s through `runner apply` against the mock Kafka cluster.")

    @Option(help: "The runner binary (default: `runner` next to this executable).")
    var runner: String?

    @Option(help: "Events produced, then consumed.")
    var count = 500_000

    @Option(help: "Partitions of the topic (the mock cluster keeps at most 5 MiB per partition).")
    var partitions = 12

    @Option(help: "Runs; the median by wall time is reported.")
    var repetitions = 3

    @Option(help: "Worker threads for the runner (default: the number of cores).")
    var workers = coreCount

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let runnerPath = runner ?? executableDirectory() + "/runner"
        guard isExecutable(runnerPath) else {
            throw ValidationError("no runner at \(runnerPath): build it (swift build -c release) or pass --runner")
        }
        print("runner: \(runnerPath) --workers \(workers); \(grouped(Int64(count))) events, \(partitions) partitions")
        var produced: [ChildUsage] = []
        var consumed: [ChildUsage] = []
        for repetition in 1...repetitions {
            let cluster = try KafkaMockCluster()
            try cluster.createTopic("bench", partitions: partitions)
            setenv("KAFKA_BROKERS", cluster.bootstrapServers, 1)
            setenv("BENCH_COUNT", String(count), 1)
            setenv("BENCH_GROUP", "bench-\(repetition)", 1)
            let arguments = [runnerPath, "apply", "--no-api", "--no-watch", "--workers", String(workers)]
            let production = try runChild(
                arguments + ["Benchmarks/pipelines/kafka-produce.yaml"],
                logPath: "out/benchmark/logs/kafka-produce-\(repetition).log")
            guard production.status == 0 else {
                throw ValidationError("producing: runner exited with status \(production.status)")
            }
            let consumption = try consume(arguments + ["Benchmarks/pipelines/kafka-consume.yaml"], cluster, repetition)
            print(
                "  run \(repetition): produce \(format(production.wallSeconds, decimals: 2)) s, "
                    + "consume \(format(consumption.wallSeconds, decimals: 2)) s")
            produced.append(production)
            consumed.append(consumption)
        }
        var table = TextTable([
            "phase", "events", "seconds", "events/s", "runner CPU s", "events per CPU s", "peak RSS MiB",
        ])
        for (phase, runs) in [("produce", produced), ("consume", consumed)] {
            let middle = runs.sorted { $0.wallSeconds < $1.wallSeconds }[runs.count / 2]
            let cpu = middle.userSeconds + middle.systemSeconds
            table.append([
                phase, grouped(Int64(count)), format(middle.wallSeconds, decimals: 2),
                grouped(Int64(Double(count) / middle.wallSeconds)), format(cpu, decimals: 2),
                grouped(Int64(Double(count) / cpu)),
                format(Double(runs.map(\.peakResidentBytes).max() ?? 0) / 1_048_576, decimals: 1),
            ])
        }
        print()
        print(table.render())
        print()
        print(
            "consume seconds run from the runner's start (the group join takes about 3 s of them) to the commit of the last record"
        )
    }

    /// Runs the consuming runner until group `bench-repetition` has committed every record, then stops it.
    private func consume(_ arguments: [String], _ cluster: KafkaMockCluster, _ repetition: Int) throws -> ChildUsage {
        let observer = try KafkaConsumer(
            settings: KafkaSettings([
                ("bootstrap.servers", cluster.bootstrapServers), ("group.id", "bench-\(repetition)"),
            ]),
            log: { _ in }, rebalance: { _ in }, committed: { _, _ in })
        let topic = (0..<Int32(partitions)).map { TopicPartition("bench", $0) }
        let started = monotonicSeconds()
        let pid = try spawnChild(arguments, logPath: "out/benchmark/logs/kafka-consume-\(repetition).log")
        var committed: Int64 = 0
        while committed < count {
            guard monotonicSeconds() - started < 600 else {
                kill(pid, SIGKILL)
                throw ValidationError("consuming: \(committed) of \(count) records committed after 600 s")
            }
            usleep(50_000)
            let offsets = (try? observer.committedOffsets(of: topic, timeoutMilliseconds: 5_000)) ?? []
            committed = offsets.reduce(0) { $0 + max(0, $1.offset) }
        }
        let finished = monotonicSeconds()
        kill(pid, SIGTERM)
        let usage = try waitForChild(pid, startedAt: started)
        guard usage.status == 0 else { throw ValidationError("consuming: runner exited with status \(usage.status)") }
        // The time to the last commit, not to the exit after SIGTERM; CPU and memory are the whole run's.
        return ChildUsage(
            status: usage.status, wallSeconds: finished - started, userSeconds: usage.userSeconds,
            systemSeconds: usage.systemSeconds, peakResidentBytes: usage.peakResidentBytes)
    }
}
