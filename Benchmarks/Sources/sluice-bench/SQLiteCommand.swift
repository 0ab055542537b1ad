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

    @OptionGroup var options: SinkBenchOptions

    @Option(help: "The database file, deleted before each run.")
    var database = "out/benchmark/sqlite-bench.db"

    func run() throws {
        try makeParentDirectories(of: database)
        let batches = Self.aggregateRows(options.rows)
        print(
            "rows: \(grouped(Int64(options.rows))) per pass, 6 fields each, key [window_start, category], max_events: \(options.maxEvents)"
        )
        var times: [String: [SinkPassTime]] = [:]
        let target = TableTarget(
            table: try SQLIdentifier.table("site_stats"),
            key: [try SQLIdentifier("window_start"), try SQLIdentifier("category")])
        let config = SQLiteSinkConfig(
            path: database, options: TableSinkOptions(target: target, maxEvents: options.maxEvents))
        for _ in 0..<options.repetitions {
            for suffix in ["", "-wal", "-shm"] { unlink(database + suffix) }
            for pass in ["insert", "upsert"] {
                times[pass, default: []].append(try SinkPassTime.measure(config, batches))
            }
        }
        try verify()
        print(SinkPassTime.table(["insert", "upsert"].map { ($0, times[$0] ?? []) }, rows: options.rows))
    }

    /// Checks that the table holds one row per key: the upserts replaced rows rather than adding them.
    private func verify() throws {
        let result = try SQLiteReadOnlyQuery.run(
            path: database, sql: "SELECT count(*) FROM site_stats", limit: nil, timeoutSeconds: nil)
        guard result.rows.first?.first == .int(Int64(options.rows)) else {
            throw ValidationError("expected \(options.rows) rows in the table, found \(result.rows)")
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
