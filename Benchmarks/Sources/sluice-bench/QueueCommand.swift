import ArgumentParser
import SluiceEngine
import SluiceStages
import SluiceTesting

/// `sluice-bench queue`: the cost of moving events between stages, in process and without JSON.
///
/// A `test_source` feeds a chain of `remove` transforms (of a field no event has, so they do almost nothing)
/// ending in a `blackhole`. Every stage in the chain also reads an empty source, which keeps the compiler
/// from fusing it with its predecessor (fusion needs a single input): each arrow is a real queue hop.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure events/s through K queue hops with batches of 1, 64 and 1024 events.")

    @Option(parsing: .upToNextOption, help: "Queue hops between the source and the sink (source → … → blackhole).")
    var hops: [Int] = [1, 2, 4]

    @Option(parsing: .upToNextOption, help: "Events per batch sent by the source.")
    var batches: [Int] = [1, 64, 1024]

    @Option(help: "Multiplies the number of events of every configuration (1 = about a second each).")
    var scale = 1.0

    @Option(help: "Runs per configuration; the median is reported.")
    var repetitions = 3

    @Option(help: "Worker threads (default: the number of cores).")
    var workers = coreCount

    @Option(help: "Events each stage's input queue holds before its producers wait.")
    var queueCapacity = 16_384

    func validate() throws {
        guard hops.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--hops must be at least 1") }
        guard batches.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--batches must be at least 1") }
        guard scale > 0 else { throw ValidationError("--scale must be positive") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let harness = try PipelineHarness(registry: BuiltinStages.registry)
        let options = EngineOptions(workers: workers, queueCapacity: queueCapacity)
        print("workers: \(workers), queue capacity: \(queueCapacity) events, events: 3 small fields each")
        var table = TextTable(["hops", "batch", "events", "seconds", "events/s", "ns/event/hop"])
        for batch in batches {
            for hopCount in hops {
                let events = Int(Double(Self.events(forBatch: batch)) * scale)
                let yaml = Self.pipeline(hops: hopCount, batch: batch, events: events)
                var times: [Double] = []
                for _ in 0..<repetitions {
                    let started = monotonicSeconds()
                    let counters = try harness.run(yaml, options: options)
                    times.append(monotonicSeconds() - started)
                    let delivered = counters.first { $0.stage == "out" }?.eventsIn ?? 0
                    guard delivered == events else {
                        throw ValidationError("hops \(hopCount), batch \(batch): \(delivered) of \(events) arrived")
                    }
                }
                let seconds = median(times)
                table.append([
                    String(hopCount), String(batch), grouped(Int64(events)), format(seconds, decimals: 3),
                    grouped(Int64(Double(events) / seconds)),
                    format(seconds * 1e9 / Double(events * hopCount), decimals: 1),
                ])
            }
        }
        print(table.render())
    }

    /// About a second's worth of events on a small machine.
    private static func events(forBatch batch: Int) -> Int {
        switch batch {
        case ..<16: 200_000
        case ..<256: 2_000_000
        default: 4_000_000
        }
    }

    /// source → hop1 → … → hop(K-1) → out, every consumer also reading the empty source `idle`.
    static func pipeline(hops: Int, batch: Int, events: Int) -> String {
        var yaml = """
            name: queue_bench
            sources:
              events: { type: test_source, count: \(events), batch: \(batch) }
              idle: { type: test_source, count: 0 }

            """
        var previous = "events"
        if hops > 1 {
            yaml += "transforms:\n"
            for hop in 1..<hops {
                yaml += "  hop\(hop): { type: remove, inputs: [\(previous), idle], fields: [absent] }\n"
                previous = "hop\(hop)"
            }
        }
        yaml += "sinks:\n  out: { type: blackhole, inputs: [\(previous), idle] }\n"
        return yaml
    }
}
