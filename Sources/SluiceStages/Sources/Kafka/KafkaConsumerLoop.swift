import SluiceCore
import SluiceKafka

extension StageCounter {
    /// Records with an empty value (tombstones), which hold no event.
    static let emptyRecords: StageCounter = "empty_records"
    /// Errors the Kafka client reported while consuming (a topic that does not exist, a broker down).
    static let consumeErrors: StageCounter = "consume_errors"
    /// Commits the group refused.
    static let commitErrors: StageCounter = "commit_errors"
}

/// One run of a `kafka` source, on the source's thread: polls the consumer, decodes records into batches
/// that a `BatchSender` sends, commits what the sinks acknowledged, and drains partitions being revoked.
///
/// The poll loop never blocks on the pipeline: when the sender holds its few batches, or `max_in_flight`
/// records are read and not committed, it pauses its partitions and keeps polling, so the group's
/// rebalances and the commits' results are still served.
final class KafkaConsumerLoop {
    private let config: KafkaSourceConfig
    private let output: any SourceOutput
    private let log: StageLog
    private let shutdown: ShutdownSignal
    private let progress = PartitionProgress()
    private let decoder: KafkaRecordDecoder
    private let sender: BatchSender
    /// Set once the consumer exists; its callbacks run only from inside its `poll` and `close`.
    private var consumer: KafkaConsumer?
    private var batch: EventBatch
    /// The partitions with records in `batch`: the batch carries an acknowledgement for each.
    private var batchPartitions: Set<TopicPartition> = []
    private var isPaused = false
    /// True when partitions were assigned since the last pause, so they are paused too.
    private var assignmentChanged = false
    /// True while the source is leaving the group after a stop: the drain has been waited for already.
    private var isClosing = false
    private var nextCommit: UInt64 = 0
    private var nextLagReport: UInt64 = 0

    init(config: KafkaSourceConfig, output: any SourceOutput, log: StageLog, shutdown: ShutdownSignal) {
        self.config = config
        self.output = output
        self.log = log
        self.shutdown = shutdown
        decoder = KafkaRecordDecoder(decoding: config.decoding, maxRecordBytes: config.maxRecordBytes.bytes)
        // Two batches: one being sent, one ready; more would only hold events the pipeline cannot take.
        sender = BatchSender(output: output, capacity: 2)
        batch = EventBatch(capacity: output.batchSize)
    }

    /// Consumes until the pipeline stops, then drains, commits and leaves the group.
    func run() throws {
        defer { sender.close() }
        let consumer = try makeConsumer()
        self.consumer = consumer
        defer { leave(consumer) }
        do {
            try consumer.subscribe(config.topics)
        } catch {
            throw StageFailure("cannot subscribe to \(config.topics.joined(separator: ", ")): \(error)")
        }
        while !output.isStopping {
            if let fatal = consumer.fatalError { throw StageFailure("the Kafka consumer failed: \(fatal)") }
            try throwIfBlocked()
            applyBackpressure(consumer)
            // Block in poll only with nothing to send; otherwise look for more, and send when there is none.
            if let message = consumer.poll(timeoutMilliseconds: batch.isEmpty && batchPartitions.isEmpty ? 100 : 0) {
                read(message)
                if batch.count >= output.batchSize { flush() }
            } else {
                flush()
            }
            commitIfDue(consumer)
            reportLagIfDue(consumer)
        }
    }

    private func makeConsumer() throws -> KafkaConsumer {
        do {
            return try KafkaConsumer(
                settings: config.settings, log: kafkaLogForwarder(log),
                rebalance: { [unowned self] in rebalanced($0) },
                committed: { [unowned self] in committed($0, error: $1) })
        } catch {
            throw StageFailure("cannot create the Kafka consumer: \(error)")
        }
    }

    // MARK: Reading

    private func read(_ message: consuming KafkaMessage) {
        if let error = message.error {
            output.count(.consumeErrors, 1, message: "consuming \(config.topics.joined(separator: ", ")): \(error)")
            return
        }
        let partition = TopicPartition(message.topic, message.partition)
        let offset = message.offset
        progress.noteRead(partition, offset: offset)
        batchPartitions.insert(partition)
        let value = message.payload
        guard !value.isEmpty else {
            output.count(.emptyRecords, 1)
            return
        }
        guard value.count <= config.maxRecordBytes.bytes else {
            output.reject(
                1, reason: .recordTooLarge,
                message: "\(partition)@\(offset): value of \(value.count) bytes is larger than max_record_bytes "
                    + "(\(config.maxRecordBytes.bytes))")
            return
        }
        var uncounted = value.count
        decoder.decode(value) { outcome in
            switch outcome {
            case .event(let event, let note):
                if let note { output.count(note.counter, note.count, message: "\(partition)@\(offset): \(note.text)") }
                batch.append(event)
                // The value's bytes are counted with its first event.
                batch.byteCount += uncounted
                uncounted = 0
            case .skipped:
                break
            case .noted(let note):
                output.count(note.counter, note.count, message: "\(partition)@\(offset): \(note.text)")
            case .rejected(let reason, let text, let line):
                let place = line > 1 ? "\(partition)@\(offset) line \(line)" : "\(partition)@\(offset)"
                output.reject(1, reason: reason, message: "\(place): \(text)")
            }
        }
    }

    /// Hands the batch to the sender with an acknowledgement for each partition it read from, even when
    /// every record was rejected: its offsets must still be committed.
    private func flush() {
        guard !batchPartitions.isEmpty else { return }
        var full = EventBatch(capacity: output.batchSize)
        swap(&full, &batch)
        for partition in batchPartitions {
            guard let acknowledgement = progress.acknowledgementOfRead(partition) else { continue }
            full.acknowledgements.insert(acknowledgement)
            // The batch holds it now; the source's own hold ends here.
            acknowledgement.release()
        }
        batchPartitions.removeAll(keepingCapacity: true)
        sender.enqueue(full)
    }

    /// Pauses every owned partition while the sender is full or `max_in_flight` records are uncommitted,
    /// and resumes them once neither holds.
    private func applyBackpressure(_ consumer: KafkaConsumer) {
        let shouldPause = sender.isFull || progress.inFlight >= config.maxInFlight
        if shouldPause && (!isPaused || assignmentChanged) {
            consumer.pause(consumer.assignment())
            isPaused = true
            assignmentChanged = false
        } else if !shouldPause && isPaused {
            consumer.resume(consumer.assignment())
            isPaused = false
        }
    }

    // MARK: Committing

    /// Commits (asynchronously) what the sinks acknowledged, every `commit_interval`, or at once while
    /// `max_in_flight` holds reading back.
    private func commitIfDue(_ consumer: KafkaConsumer) {
        let now = SystemClock.monotonicNanoseconds()
        guard now >= nextCommit || progress.inFlight >= config.maxInFlight else { return }
        nextCommit = now + UInt64(config.commitInterval.milliseconds) * 1_000_000
        commit(progress.takeCommitsDue(), with: consumer, synchronously: false)
    }

    private func commit(_ offsets: [PartitionOffset], with consumer: KafkaConsumer, synchronously: Bool) {
        do {
            try consumer.commit(offsets, synchronously: synchronously)
        } catch {
            progress.noteCommitFailed(offsets)
            output.count(.commitErrors, 1, message: "cannot commit offsets: \(error)")
        }
    }

    /// A commit's result, from inside `poll`.
    private func committed(_ offsets: [PartitionOffset], error: KafkaError?) {
        if let error {
            progress.noteCommitFailed(offsets)
            output.count(.commitErrors, 1, message: "cannot commit offsets: \(error)")
            return
        }
        progress.noteCommitted(offsets)
        let refused = offsets.filter { $0.error != nil }
        if let first = refused.first?.error {
            progress.noteCommitFailed(refused)
            output.count(.commitErrors, 1, message: "cannot commit offsets: \(first)")
        }
    }

    /// Records whose events were lost downstream are never committed past; rather than stall behind
    /// them, the source fails, and a restart reads them again.
    private func throwIfBlocked() throws {
        for partition in progress.owned {
            guard let failure = progress.blockingFailure(of: partition) else { continue }
            throw StageFailure(
                "events read from \(partition) were lost downstream (\(failure)); stopping without committing past "
                    + "them, so that they are read again when the pipeline restarts")
        }
    }

    private func reportLagIfDue(_ consumer: KafkaConsumer) {
        let now = SystemClock.monotonicNanoseconds()
        guard now >= nextLagReport else { return }
        nextLagReport = now + 1_000_000_000
        output.recordLag(progress.lag { consumer.cachedHighWatermark(of: $0) })
    }

    // MARK: Rebalancing and leaving

    /// A change of assignment, from inside `poll` (or `close`).
    private func rebalanced(_ rebalance: KafkaConsumer.Rebalance) {
        switch rebalance {
        case .assigned:
            assignmentChanged = true
        case .revoked(let partitions):
            drain(partitions)
            progress.forget(partitions)
        case .lost(let partitions):
            let owned = partitions.filter(progress.owned.contains)
            if !owned.isEmpty {
                log.warning(
                    "lost \(owned.map(\.description).joined(separator: ", ")) without a handover (the group "
                        + "moved on without this member); their uncommitted records will be read again by their next owner"
                )
            }
            progress.forget(partitions)
        }
    }

    /// Sends what was read of `partitions`, waits (up to `drain_timeout`) for the sinks to acknowledge it,
    /// and commits it, before the partitions are given up.
    private func drain(_ partitions: [TopicPartition]) {
        flush()
        if !isClosing { waitUntilSettled(partitions) }
        guard let consumer else { return }
        let due = progress.takeCommitsDue().filter { partitions.contains($0.partition) }
        commit(due, with: consumer, synchronously: true)
    }

    /// Waits until every record read of `partitions` is acknowledged, or `drain_timeout` passes, or a unit
    /// failed (it never will be), or the shutdown limit passed; logs what is given up unacknowledged.
    private func waitUntilSettled(_ partitions: [TopicPartition]) {
        let deadline = SystemClock.monotonicDeadline(afterSeconds: Double(config.drainTimeout.milliseconds) / 1000)
        while !progress.isSettled(partitions), !shutdown.isAbandoned,
            !partitions.contains(where: { progress.blockingFailure(of: $0) != nil }),
            SystemClock.monotonicNanoseconds() < deadline
        {
            shutdown.sleep(seconds: 0.005)
        }
        let unsettled = progress.unsettled(partitions)
        if unsettled > 0 {
            log.warning(
                "giving up \(partitions.map(\.description).joined(separator: ", ")) with \(unsettled) records not "
                    + "acknowledged after drain_timeout (\(config.drainTimeout)); their next owner reads them again")
        }
    }

    /// After a stop: sends what was read, waits for it to be acknowledged, commits, and leaves the group.
    private func leave(_ consumer: KafkaConsumer) {
        flush()
        let owned = progress.owned
        waitUntilSettled(owned)
        commit(progress.takeCommitsDue(), with: consumer, synchronously: true)
        isClosing = true
        consumer.close()
    }
}
