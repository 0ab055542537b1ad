import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `type: test_sink` — keeps every event it receives in memory under its `probe` name, for tests to
/// read with `TestSink.events(probe)`. `delay_ms` makes it slow (per batch), to test backpressure;
/// `watch` names a `test_source` probe whose backlog (sent − received) it records at every batch.
public enum TestSink: Stage {
    public static let typeName = "test_sink"
    public static let kind = StageKind.sink
    public static let summary = "Collects events in memory for tests."
    public static let options: [OptionDoc] = [
        OptionDoc("probe", "string", default: "the stage id", "Name under which the events are kept."),
        OptionDoc("delay_ms", "int", default: "0", "Sleep this long for each batch."),
        OptionDoc("watch", "string", default: "none", "A test_source probe whose backlog to record."),
    ]
    public static let example = TestSource.example

    private struct Store {
        var events: [String: [Event]] = [:]
        var largestBacklog: [String: Int] = [:]
        var finishes: [String: Int] = [:]
        var batchesAfterFinish: [String: Int] = [:]
    }

    private static let store = Mutex(Store())

    /// The events the sink with `probe` received, in arrival order.
    public static func events(_ probe: String) -> [Event] {
        store.withLock { $0.events[probe] ?? [] }
    }

    /// The largest backlog seen between the watched source and the sink with `probe`.
    public static func largestBacklog(_ probe: String) -> Int {
        store.withLock { $0.largestBacklog[probe] ?? 0 }
    }

    /// True once the sink with `probe` was finished by the engine.
    public static func isFinished(_ probe: String) -> Bool {
        finishCount(probe) > 0
    }

    /// Batches a sink with `probe` was given after it had been finished: always 0 in a correct engine.
    public static func batchesAfterFinish(_ probe: String) -> Int {
        store.withLock { $0.batchesAfterFinish[probe] ?? 0 }
    }

    /// How many sinks with `probe` were finished (a reload that rebuilds the sink finishes the old one).
    public static func finishCount(_ probe: String) -> Int {
        store.withLock { $0.finishes[probe] ?? 0 }
    }

    /// The options of a test sink.
    public struct Config: StageConfig {
        var probe: String?
        var delay: Int
        var watch: String?

        public init?(reading reader: inout OptionsReader) {
            probe = reader.string("probe")
            delay = reader.int("delay_ms", minimum: 0) ?? 0
            watch = reader.string("watch")
        }

        public func makeRuntime(context: StageContext) throws -> StageRuntime {
            .processor(Runtime(probe: probe ?? context.stage, delay: delay, watch: watch))
        }
    }

    final class Runtime: Processor {
        let probe: String
        let delay: Int
        let watch: String?
        private var received = 0
        private var finished = false

        init(probe: String, delay: Int, watch: String?) {
            self.probe = probe
            self.delay = delay
            self.watch = watch
        }

        func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
            if finished { store.withLock { $0.batchesAfterFinish[probe, default: 0] += 1 } }
            if delay > 0 { usleep(UInt32(delay * 1000)) }
            received += batch.count
            let backlog = watch.map { TestSource.sent($0) - received }
            store.withLock { store in
                store.events[probe, default: []] += batch.events
                if let backlog { store.largestBacklog[probe] = max(store.largestBacklog[probe] ?? 0, backlog) }
            }
        }

        func finish(output: inout ProcessorOutput) throws {
            finished = true
            store.withLock { $0.finishes[probe, default: 0] += 1 }
        }
    }
}
