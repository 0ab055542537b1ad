import ArgumentParser
import SluiceCore
import SluiceStages
import SluiceStorage

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice-bench sqlite`: narrow aggregate rows per second through the `sqlite` sink, batched and upserting.
///
/// The rows are what a windowed aggregate emits (`category`, `window_start`, `window_end`, `count`, `total`,
/// `avg_value`), built before the clock starts and handed to the sink's runtime in batches of 1,024 as the
/// engine would. Each repetition starts from a fresh database and makes two passes over the same rows:
/// `insert` (every key new) and `upsert` (every key exists, so every row replaces one).
struct SQLiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sqlite",
        abstract: "Measure narrow aggregate rows/s into SQLite through the sqlite sink (batched, upserting).")

    @Option(help: "Rows per pass.")
    var rows = 1_000_000

    @Option(help: "The sink's max_events: rows per transaction.")
    var maxEvents = 10_000

    @Option(help: "Runs; the median is reported.")
    var repetitions = 3

    @Option(help: "The database file, deleted before each run.")
    var database = "out/benchmark/sqlite-bench.db"

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard maxEvents >= 1 else { throw ValidationError("--max-events must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        try makeParentDirectories(of: database)
        let batches = Self.aggregateRows(rows)
        print(
            "rows: \(grouped(Int64(rows))) per pass, 6 fields each, key [window_start, category], max_events: \(maxEvents)"
        )
        var times: [String: [PassTime]] = [:]
        for _ in 0..<repetitions {
            for suffix in ["", "-wal", "-shm"] { unlink(database + suffix) }
            for pass in ["insert", "upsert"] { times[pass, default: []].append(try timePass(batches)) }
        }
        try verify()
        var table = TextTable(["pass", "rows", "seconds", "rows/s", "CPU s", "rows per CPU s"])
        for pass in ["insert", "upsert"] {
            let runs = times[pass] ?? []
            let seconds = median(runs.map(\.wall))
            let cpu = median(runs.map(\.cpu))
            table.append([
                pass, grouped(Int64(rows)), format(seconds, decimals: 3), grouped(Int64(Double(rows) / seconds)),
                format(cpu, decimals: 3), grouped(Int64(Double(rows) / cpu)),
            ])
        }
        print(table.render())
    }

    /// The wall and CPU seconds of one pass. On a busy machine the CPU time is the steadier figure: the
    /// pass runs on this one thread.
    private struct PassTime {
        var wall: Double
        var cpu: Double
    }

    /// The time to write `batches` through a new sink runtime, `finish` included.
    private func timePass(_ batches: [EventBatch]) throws -> PassTime {
        let target = SQLiteTableTarget(
            path: database, table: try SQLIdentifier.table("site_stats"),
            key: [try SQLIdentifier("window_start"), try SQLIdentifier("category")])
        let config = SQLiteSinkConfig(target: target, maxEvents: maxEvents)
        let log = StageLog(pipeline: "bench", stage: "store")
        let sink = try config.makeProcessor(context: StageContext(pipeline: "bench", stage: "store", log: log))
        var output = ProcessorOutput(portCount: 1, log: log)
        // Fresh arrays handed over one at a time, as the engine hands its only reference to a stage.
        var input = batches.reversed().map { EventBatch(events: $0.events.map { $0 }) }
        let started = monotonicSeconds()
        let startedCPU = Self.processCPUSeconds()
        while let batch = input.popLast() { try sink.process(batch, output: &output) }
        try sink.finish(output: &output)
        let time = PassTime(wall: monotonicSeconds() - started, cpu: Self.processCPUSeconds() - startedCPU)
        guard output.takeDrops().isEmpty else { throw ValidationError("the sink dropped rows") }
        return time
    }

    private static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Checks that the table holds one row per key: the upserts replaced rows rather than adding them.
    private func verify() throws {
        let result = try SQLiteReadOnlyQuery.run(
            path: database, sql: "SELECT count(*) FROM site_stats", limit: nil, timeoutSeconds: nil)
        guard result.rows.first?.first == .int(Int64(rows)) else {
            throw ValidationError("expected \(rows) rows in the table, found \(result.rows)")
        }
    }

    /// `count` distinct rows, 50 categories per 10-second window, in batches of 1,024.
    static func aggregateRows(_ count: Int) -> [EventBatch] {
        let categories = (0..<50).map { "category-\($0)" }
        let names = ["category", "window_start", "window_end", "count", "total", "avg_value"].map(FieldName.init)
        var batches: [EventBatch] = []
        var batch = EventBatch(capacity: 1_024)
        for index in 0..<count {
            let start = Int64(1_767_225_600_000 + (index / categories.count) * 10_000)
            let events = Int64(index % 97 + 1)
            let total = Double(events) * 12.5
            var event = Event(capacity: names.count)
            let values: [Value] = [
                .string(categories[index % categories.count]), .int(start), .int(start + 10_000), .int(events),
                .double(total), .double(total / Double(events)),
            ]
            for (name, value) in zip(names, values) { event.fields.append(Event.Field(name: name, value: value)) }
            batch.append(event)
            if batch.count == 1_024 {
                batches.append(batch)
                batch = EventBatch(capacity: 1_024)
            }
        }
        if !batch.isEmpty { batches.append(batch) }
        return batches
    }
}
