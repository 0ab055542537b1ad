/// A running source: reads from the outside world and sends batches downstream.
///
/// The engine calls `run(output:)` on a thread of the source's own, since sources block on I/O.
/// `run` returns when the input is finished (a file read once) or soon after `output.isStopping`
/// turns true (shutdown, or a reload that removes the source). `output.send` blocks while the
/// downstream queue is full: that is how backpressure reaches the outside world.
public protocol Source: AnyObject, Sendable {
    func run(output: SourceOutput) throws
}

/// Where a source sends its batches, provided by the engine.
public protocol SourceOutput: AnyObject, Sendable {
    /// The number of events a source should put in one batch.
    var batchSize: Int { get }
    /// True once the source should stop; a blocked `send` also returns then.
    var isStopping: Bool { get }
    /// Sends a batch downstream, blocking while the downstream queue is full. Returns false when the
    /// pipeline is stopping and the batch was not accepted.
    ///
    /// The batch is consumed: pass the source's only reference so the first stage can change the events
    /// in place instead of copying them.
    @discardableResult
    func send(_ batch: consuming EventBatch) -> Bool
    /// Counts input the source rejected (a malformed line, say) and logs `message` (rate-limited).
    func reject(_ count: Int, reason: DropReason, message: String)
    /// Adds `amount` to the source's counter `counter`, for what is neither an event nor a rejected record
    /// (bytes of a truncated file that were never read, integers too large to keep exact, say), and logs
    /// `message`, if given (rate-limited).
    func count(_ counter: StageCounter, _ amount: Int, message: String?)
    /// Waits up to `seconds` or until stopping, whichever comes first (for polling and rate limits).
    func sleep(seconds: Double)
    /// Records how far behind its input a source that reads partitioned logs is (a `kafka` source), per
    /// partition it owns; each report replaces the one before, so a partition given up disappears.
    func recordLag(_ partitions: [PartitionLag])
}

/// How far a source is behind one partition of a partitioned log: the records after its committed
/// position. The engine exports it as `sluice_source_partition_lag_records`.
public struct PartitionLag: Sendable, Equatable {
    /// The topic (or stream) the partition belongs to.
    public var topic: String
    /// The partition's number.
    public var partition: Int
    /// Records after the committed position, up to the partition's end as last seen.
    public var records: Int

    public init(topic: String, partition: Int, records: Int) {
        self.topic = topic
        self.partition = partition
        self.records = records
    }
}

extension SourceOutput {
    /// Adds `amount` to the source's counter `counter` without logging.
    public func count(_ counter: StageCounter, _ amount: Int) {
        count(counter, amount, message: nil)
    }
}
