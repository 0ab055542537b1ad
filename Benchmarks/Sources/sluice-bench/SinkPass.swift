import ArgumentParser
import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// The options of the sink benchmarks (`sqlite`, `postgres`).
struct SinkBenchOptions: ParsableArguments {
    @Option(help: "Rows per pass.")
    var rows = 1_000_000

    @Option(help: "The sink's max_events: rows per transaction.")
    var maxEvents = 10_000

    @Option(help: "Runs; the median is reported.")
    var repetitions = 3

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard maxEvents >= 1 else { throw ValidationError("--max-events must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }
}

/// The wall and CPU seconds of one pass of rows through a sink. On a busy machine the CPU time is the
/// steadier figure for an in-process database (the pass runs on one thread); for a server it leaves out the
/// server's own work.
struct SinkPassTime {
    var wall: Double
    var cpu: Double

    /// The time to write `batches` through a new runtime of the sink `config`, `finish` included; throws
    /// when the sink dropped a row.
    static func measure(_ config: some ProcessorConfig, _ batches: [EventBatch]) throws -> SinkPassTime {
        let log = StageLog(pipeline: "bench", stage: "store")
        let sink = try config.makeProcessor(context: StageContext(pipeline: "bench", stage: "store", log: log))
        var output = ProcessorOutput(portCount: 1, log: log)
        // Fresh arrays handed over one at a time, as the engine hands its only reference to a stage.
        var input = batches.reversed().map { EventBatch(events: $0.events.map { $0 }) }
        let started = monotonicSeconds()
        let startedCPU = processCPUSeconds()
        while let batch = input.popLast() { try sink.process(batch, output: &output) }
        try sink.finish(output: &output)
        let time = SinkPassTime(wall: monotonicSeconds() - started, cpu: processCPUSeconds() - startedCPU)
        let drops = output.takeDrops()
        guard drops.isEmpty else { throw ValidationError("the sink dropped rows: \(drops)") }
        return time
    }

    private static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// One table row per pass, with the median of `times[pass]` over `rows` rows: rows/s by wall time and
    /// per CPU second of this process.
    static func table(_ passes: [(name: String, times: [SinkPassTime])], rows: Int) -> String {
        var table = TextTable(["pass", "rows", "seconds", "rows/s", "CPU s", "rows per CPU s"])
        for pass in passes {
            let seconds = median(pass.times.map(\.wall))
            let cpu = median(pass.times.map(\.cpu))
            table.append([
                pass.name, grouped(Int64(rows)), format(seconds, decimals: 3), grouped(Int64(Double(rows) / seconds)),
                format(cpu, decimals: 3), grouped(Int64(Double(rows) / cpu)),
            ])
        }
        return table.render()
    }
}
