/// A running transform, aggregation or sink: processes the batches that reach it.
///
/// The engine guarantees that one worker at a time calls into a processor, so its state needs no locks.
public protocol Processor: AnyObject {
    /// Processes one batch, emitting results (for transforms and aggregations) through `output`.
    ///
    /// The engine hands over its only reference to the batch, so a processor can change the events in
    /// place (`var batch = batch`, then mutate and emit it) without copying them.
    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws

    /// Called once when every input has ended (end of input or shutdown): emit what is still held
    /// (open windows) and flush what is buffered (sinks).
    func finish(output: inout ProcessorOutput) throws

    /// How often the engine should call `tick`, or `nil` for never (the default).
    var tickInterval: ConfigDuration? { get }

    /// Called every `tickInterval` between batches: time-driven work such as closing windows on
    /// processing time or flushing a sink's buffer.
    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws
}

extension Processor {
    public func finish(output: inout ProcessorOutput) throws {}
    public var tickInterval: ConfigDuration? { nil }
    public func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {}
}

/// What a processor produces from one call: batches per output port, and counts of what it dropped.
///
/// Port 0 is the main output; ports 1... are the stage's `namedOutputs`, in order.
public struct ProcessorOutput {
    /// Batches emitted so far, by port.
    public private(set) var batches: [[EventBatch]]
    /// Events dropped, by reason, during this call.
    public private(set) var drops: [DropReason: Int] = [:]
    /// Stage-specific counts during this call (late events routed, say), exported per stage by name.
    public private(set) var counters: [StageCounter: Int] = [:]
    /// Bytes written to the outside world during this call (sinks).
    public var bytesWritten = 0
    /// Where to log rejected input.
    public let log: StageLog
    /// The acknowledgements of the batch being processed, until the stage holds them or the call ends.
    private var inputAcknowledgements = AckSet()

    public init(portCount: Int, log: StageLog) {
        batches = Array(repeating: [], count: max(1, portCount))
        self.log = log
    }

    /// Emits a batch on `port`. What is emitted while a batch is processed carries that batch's
    /// acknowledgements (the engine attaches them when the call returns), besides any the batch carries.
    public mutating func emit(_ batch: consuming EventBatch, port: Int = 0) {
        if !batch.isEmpty {
            batches[port].append(batch)
        } else if !batch.acknowledgements.isEmpty {
            // Nothing carries the holds on: the events they stand for ended here.
            batch.acknowledgements.take().release()
        }
    }

    /// Hands the stage the acknowledgements of the batch being processed, for a stage that keeps events
    /// across calls: the engine then neither passes them on nor releases them. The stage attaches them
    /// to what it emits later (`EventBatch.acknowledgements`; an aggregate: to the rows of the windows
    /// the events fell in) or releases them once the events are durable (a batching sink, at commit) or
    /// lost (`release(.failed(...))`, before it throws `StageFailure`). Empty when the batch has none.
    public mutating func holdAcknowledgements() -> AckSet {
        inputAcknowledgements.take()
    }

    /// Counts events dropped for `reason`; `message`, if given, is logged (rate-limited).
    public mutating func drop(_ count: Int, reason: DropReason, message: String? = nil) {
        guard count > 0 else { return }
        drops[reason, default: 0] += count
        if let message { log.warn(reason: reason, message) }
    }

    /// Adds `count` to the stage's counter `counter`, for things that are neither drops nor outputs.
    public mutating func count(_ counter: StageCounter, _ count: Int = 1) {
        guard count > 0 else { return }
        counters[counter, default: 0] += count
    }

    /// Takes the counts so far, leaving none.
    package mutating func takeCounters() -> [StageCounter: Int] {
        defer { counters.removeAll() }
        return counters
    }

    /// Takes the batches emitted so far, leaving none.
    package mutating func takeBatches() -> [[EventBatch]] {
        // Swapped out rather than copied, so the caller holds the only reference to each batch.
        var taken = [[EventBatch]](repeating: [], count: batches.count)
        swap(&taken, &batches)
        return taken
    }

    /// Takes the drop counts so far, leaving none.
    package mutating func takeDrops() -> [DropReason: Int] {
        defer { drops.removeAll() }
        return drops
    }

    /// Starts a call that processes a batch holding `acknowledgements`: the stage may hold them
    /// (`holdAcknowledgements`) until `endCall`. Nil, at no cost, when the batch holds none.
    package mutating func beginCall(acknowledging acknowledgements: consuming AckSet) -> AcknowledgedCall? {
        guard !acknowledgements.isEmpty else { return nil }
        inputAcknowledgements = acknowledgements
        return AcknowledgedCall(emittedBefore: batches.map(\.count))
    }

    /// Ends `call`: unless the stage held them, the batch's acknowledgements go with every batch the call
    /// emitted, and the batch's own hold is released — as failed with `failure` when the call lost it.
    package mutating func endCall(_ call: AcknowledgedCall?, failure: AckFailure? = nil) {
        guard let call else { return }
        let acknowledgements = inputAcknowledgements.take()
        guard !acknowledgements.isEmpty else { return }
        for port in batches.indices {
            for index in call.emittedBefore[port]..<batches[port].count {
                batches[port][index].acknowledgements.merge(acknowledgements.retained())
            }
        }
        acknowledgements.release(failure.map(AckOutcome.failed) ?? .delivered)
    }
}

/// A call in progress on a batch that holds acknowledgements: how many batches each port had emitted
/// before it, so what the call emits can be told apart.
package struct AcknowledgedCall {
    let emittedBefore: [Int]
}

/// Why events were dropped or rejected; the `reason` label of the drop metric.
public struct DropReason: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    public static let malformedJSON: DropReason = "malformed_json"
    public static let invalidUTF8: DropReason = "invalid_utf8"
    public static let lineTooLong: DropReason = "line_too_long"
    public static let csvColumns: DropReason = "csv_column_count"
    public static let notAnObject: DropReason = "not_an_object"
    public static let filtered: DropReason = "filtered"
    public static let late: DropReason = "late"
    public static let missingTime: DropReason = "missing_time"
    public static let unmatched: DropReason = "unmatched"
    /// A stage threw an ordinary error while handling the batch: that batch is lost, the stage goes on.
    public static let stageError: DropReason = "stage_error"
    /// The stage failed for good (it threw `StageFailure`): what reaches it afterwards is not delivered.
    public static let stageFailed: DropReason = "stage_failed"
}

/// The name of a stage-specific counter; the `name` label of `sluice_stage_counter_total`.
public struct StageCounter: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
}
