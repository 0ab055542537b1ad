import SluiceCore
import SluiceStorage

/// The running database sink (`sqlite`, `postgres` subclass it): buffers events and writes them in batches through a
/// `TableWriter`, retrying while the database is locked, full or out of reach.
///
/// Events are buffered and written when `max_events` are waiting, every `timeout`, and at the end, each
/// batch in one transaction (docs/storage.md has the type mapping). A row that cannot be stored is
/// dropped with its reason (`wrong_type`, `missing_key`, `invalid_column`, `rejected_by_database`) and
/// logged; the other rows are written. An error that may pass is retried with backoff, the whole batch
/// again (its transaction never committed), while the sink blocks and backpressure holds the pipeline,
/// until it succeeds or the shutdown limit passes; that, and a permanent error, throws `StageFailure`.
/// The rows' acknowledgements are held until their transaction commits, or released as failed when the
/// stage fails.
class TableSink: Processor {
    private let writer: any TableWriter
    private let maxEvents: Int
    private let log: StageLog
    private let shutdown: ShutdownSignal
    /// Runs before the first write (the `sqlite` sink creates the database's folder); its error fails
    /// the stage.
    private var prepare: (() throws(StageFailure) -> Void)?
    private var pending: [Event] = []
    /// The acknowledgements of the pending rows, released when their transaction commits.
    private var pendingAcknowledgements = AckSet()
    private var reconnectsCounted = 0
    let tickInterval: ConfigDuration?

    /// 50 ms, doubling up to 2 s: quick when a lock is short, quiet when an outage is long.
    static let retryPolicy = WriteRetryPolicy(firstDelay: 0.05, longestDelay: 2.0)
    /// Counts the connections opened again after the database went away.
    static let reconnectsCounter: StageCounter = "reconnects"

    init(
        writer: any TableWriter, options: TableSinkOptions, context: StageContext,
        prepare: (() throws(StageFailure) -> Void)? = nil
    ) {
        self.writer = writer
        maxEvents = options.maxEvents
        tickInterval = options.timeout
        log = context.log
        shutdown = context.shutdown
        self.prepare = prepare
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        let inHand = batch.count
        pendingAcknowledgements.merge(output.holdAcknowledgements())
        if pending.isEmpty {
            // Taken over, not copied: the engine handed over its only reference.
            pending = batch.events
        } else {
            pending.append(contentsOf: batch.events)
        }
        if pending.count >= maxEvents { try flush(output: &output, countedByEngine: inHand) }
    }

    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {
        try flush(output: &output, countedByEngine: 0)
    }

    func finish(output: inout ProcessorOutput) throws {
        defer { writer.close() }
        try flush(output: &output, countedByEngine: 0)
    }

    /// Writes what is pending, the whole batch again after each error that may pass. `countedByEngine`
    /// of the pending rows belong to the batch the engine is handing over, which it counts itself should
    /// this throw.
    private func flush(output: inout ProcessorOutput, countedByEngine: Int) throws {
        guard !pending.isEmpty else { return }
        if let prepare {
            do {
                try prepare()
            } catch {
                throw fail(error.message, output: &output, countedByEngine)
            }
            self.prepare = nil
        }
        var outage: WriteOutage?
        defer { countReconnects(output: &output) }
        while true {
            do {
                let rejections = try writer.write(pending)
                for rejection in rejections {
                    output.drop(1, reason: rejection.reason.dropReason, message: rejection.message)
                }
                outage?.recovered("writing \(pending.count) rows to \(writer.destination)", log: log)
                pending.removeAll(keepingCapacity: true)
                pendingAcknowledgements.take().release()
                return
            } catch  where error.isTransient {
                output.count(.writeRetries)
                var current = outage ?? WriteOutage(policy: Self.retryPolicy)
                current.failed("cannot write \(pending.count) rows to \(writer.destination) yet: \(error)", log: log)
                outage = current
                if !shutdown.sleep(seconds: current.delay) {
                    throw fail(
                        "gave up after \(current.attempts) attempts when the shutdown limit passed: \(error)",
                        output: &output, countedByEngine)
                }
            } catch {
                throw fail("\(error)", output: &output, countedByEngine)
            }
        }
    }

    private func countReconnects(output: inout ProcessorOutput) {
        let reconnects = writer.reconnects
        if reconnects > reconnectsCounted { output.count(Self.reconnectsCounter, reconnects - reconnectsCounted) }
        reconnectsCounted = reconnects
    }

    /// The stage's end: counts the buffered rows the engine does not know about as dropped, and
    /// returns the failure to throw.
    private func fail(_ message: String, output: inout ProcessorOutput, _ countedByEngine: Int) -> StageFailure {
        // Rows buffered when the stage fails for good; the engine counts the batch in hand itself.
        output.drop(pending.count - countedByEngine, reason: .stageFailed)
        pending.removeAll()
        writer.close()
        let failure = StageFailure("cannot write to \(writer.destination): \(message)")
        pendingAcknowledgements.take().release(
            .failed(AckFailure(stage: log.stage, reason: .stageFailed, message: failure.message)))
        return failure
    }
}
