import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `type: test_sink` — collects events in memory for tests.
extension TestSink: SinkStage {
    public typealias Config = TestSinkConfig
    public static let typeName = "test_sink"
    public static let summary = "Collects events in memory for tests."
    public static let options: [OptionDoc] = [
        OptionDoc("probe", "string", default: "the stage id", "Name under which the events are kept."),
        OptionDoc("delay_ms", "int", default: "0", "Sleep this long for each batch."),
        OptionDoc("watch", "string", default: "none", "A test_source probe whose backlog to record."),
        OptionDoc("fail_after", "int", default: "never", "Fail for good at the first batch after this many events."),
        OptionDoc("hold", "string", default: "none", "Block each batch while a test holds this name."),
        OptionDoc(
            "retry_until_abandoned", "bool", default: "false",
            "Block each batch until the shutdown limit passes, then fail."),
        OptionDoc("error_batches", "int", default: "0", "Throw an ordinary error for this many first batches."),
        OptionDoc(
            "commit_every", "int", default: "every batch",
            "Hold the batches' acknowledgements and release them every this many batches, and at finish."),
    ]
    public static let example = TestSource.example
}

/// The options of a test sink.
public struct TestSinkConfig: ProcessorConfig {
    var probe: String?
    var delay: Int
    var watch: String?
    var failAfter: Int?
    var hold: String?
    var retryUntilAbandoned: Bool
    var errorBatches: Int
    var commitEvery: Int?

    public init?(reading reader: inout OptionsReader) {
        probe = reader.string("probe")
        delay = reader.int("delay_ms", minimum: 0) ?? 0
        watch = reader.string("watch")
        failAfter = reader.int("fail_after", minimum: 0)
        hold = reader.string("hold")
        retryUntilAbandoned = reader.bool("retry_until_abandoned") ?? false
        errorBatches = reader.int("error_batches", minimum: 0) ?? 0
        commitEvery = reader.int("commit_every", minimum: 1)
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        TestSink(config: self, probe: probe ?? context.stage, shutdown: context.shutdown)
    }
}

/// The running `test_sink`: keeps every event it receives in memory under its `probe` name, for tests to
/// read with `TestSink.events(probe)`. `delay_ms` makes it slow (per batch), to test backpressure;
/// `watch` names a `test_source` probe whose backlog (sent − received) it records at every batch.
/// To test failures: `fail_after` throws `StageFailure` at the first batch after that many events,
/// `hold` blocks every batch while the test holds that name (`TestSink.hold`), and `retry_until_abandoned`
/// blocks every batch like a sink retrying a full disk until the pipeline is abandoned, then fails;
/// `error_batches` throws an ordinary error (the batch is lost, the stage goes on) for that many first
/// batches. `commit_every` holds acknowledgements like a sink that commits every few batches.
public final class TestSink: Processor {
    private struct Store {
        var events: [String: [Event]] = [:]
        var largestBacklog: [String: Int] = [:]
        var finishes: [String: Int] = [:]
        var batchesAfterFinish: [String: Int] = [:]
        var held: Set<String> = []
        var blocked: [String: Int] = [:]
    }

    private static let store = Mutex(Store())

    /// The events the sink with `probe` received, in arrival order.
    public static func events(_ probe: String) -> [Event] {
        Self.store.withLock { $0.events[probe] ?? [] }
    }

    /// The largest backlog seen between the watched source and the sink with `probe`.
    public static func largestBacklog(_ probe: String) -> Int {
        Self.store.withLock { $0.largestBacklog[probe] ?? 0 }
    }

    /// True once the sink with `probe` was finished by the engine.
    public static func isFinished(_ probe: String) -> Bool {
        finishCount(probe) > 0
    }

    /// Batches a sink with `probe` was given after it had been finished: always 0 in a correct engine.
    public static func batchesAfterFinish(_ probe: String) -> Int {
        Self.store.withLock { $0.batchesAfterFinish[probe] ?? 0 }
    }

    /// How many sinks with `probe` were finished (a reload that rebuilds the sink finishes the old one).
    public static func finishCount(_ probe: String) -> Int {
        Self.store.withLock { $0.finishes[probe] ?? 0 }
    }

    /// Makes sinks with `hold: name` block every batch until `release(name)`.
    public static func hold(_ name: String) {
        Self.store.withLock { _ = $0.held.insert(name) }
    }

    /// Lets sinks with `hold: name` go on.
    public static func release(_ name: String) {
        Self.store.withLock { _ = $0.held.remove(name) }
    }

    /// How many calls of sinks with `probe` are blocked now (by `hold` or `retry_until_abandoned`).
    public static func blockedCalls(_ probe: String) -> Int {
        Self.store.withLock { $0.blocked[probe] ?? 0 }
    }

    let config: TestSinkConfig
    let probe: String
    let shutdown: ShutdownSignal
    private var received = 0
    private var finished = false
    private var batches = 0
    private var uncommitted = AckSet()
    private var uncommittedBatches = 0

    init(config: TestSinkConfig, probe: String, shutdown: ShutdownSignal) {
        self.config = config
        self.probe = probe
        self.shutdown = shutdown
    }

    /// Keeps the batch's events under the probe name, after failing, blocking or sleeping as configured.
    public func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        if finished { Self.store.withLock { $0.batchesAfterFinish[probe, default: 0] += 1 } }
        if let failAfter = config.failAfter, received >= failAfter {
            throw StageFailure("test sink '\(probe)' gave up after \(failAfter) events")
        }
        try block()
        batches += 1
        if batches <= config.errorBatches { throw TestSinkError(batch: batches) }
        if let commitEvery = config.commitEvery {
            uncommitted.merge(output.holdAcknowledgements())
            uncommittedBatches += 1
            if uncommittedBatches >= commitEvery { commit() }
        }
        if config.delay > 0 { usleep(UInt32(config.delay * 1000)) }
        received += batch.count
        let backlog = config.watch.map { TestSource.sent($0) - received }
        Self.store.withLock { store in
            store.events[probe, default: []] += batch.events
            if let backlog { store.largestBacklog[probe] = max(store.largestBacklog[probe] ?? 0, backlog) }
        }
    }

    /// Records that the sink was finished.
    public func finish(output: inout ProcessorOutput) throws {
        commit()
        finished = true
        Self.store.withLock { $0.finishes[probe, default: 0] += 1 }
    }

    /// Releases the held acknowledgements: what they stand for is "committed".
    private func commit() {
        uncommitted.take().release()
        uncommittedBatches = 0
    }

    /// Blocks while the test holds `hold`, or (`retry_until_abandoned`) until the pipeline is
    /// abandoned, then fails for good as a sink that gave up retrying does.
    private func block() throws {
        let held = { (hold: String?) in hold.map { name in Self.store.withLock { $0.held.contains(name) } } ?? false }
        guard config.retryUntilAbandoned || held(config.hold) else { return }
        Self.store.withLock { $0.blocked[probe, default: 0] += 1 }
        defer { Self.store.withLock { $0.blocked[probe, default: 0] -= 1 } }
        while held(config.hold) { usleep(1_000) }
        guard config.retryUntilAbandoned else { return }
        while !shutdown.isAbandoned { shutdown.sleep(seconds: 1) }
        throw StageFailure("test sink '\(probe)' gave up retrying: the shutdown limit passed")
    }
}

/// The ordinary error a `test_sink` with `error_batches` throws: it costs the batch, not the stage.
public struct TestSinkError: Error, CustomStringConvertible {
    /// The batch number (from 1) that failed.
    public let batch: Int
    public var description: String { "test sink error on batch \(batch)" }
}
