import SluiceCore
import SluiceKafka

/// Where a `kafka` source stands on each partition it owns: how far it has read, how far the sinks have
/// acknowledged, and what the group has committed. Touched by the source's poll thread alone; the
/// acknowledgements settle into each partition's `AckWindow` from the workers.
///
/// Offsets are positions in the Kafka sense: a partition's position is the next offset to read, so a
/// commit of `n` says every record before `n` is done.
final class PartitionProgress {
    private struct Partition {
        /// Units of records sent downstream, each ending at the position after its last record; `confirmed`
        /// is the furthest position every record before which was acknowledged.
        let window: AckWindow<Int64>
        /// The position after the last record read.
        var read: Int64
        /// The furthest position the group has stored (or where reading began).
        var committed: Int64
        /// The furthest position a commit was asked for, stored or not yet.
        var requested: Int64
    }

    private var partitions: [TopicPartition: Partition] = [:]

    /// The partitions with records read since they were assigned.
    var owned: [TopicPartition] { Array(partitions.keys) }

    /// Records read and not yet committed, over every partition: what a crash now would have read again.
    private(set) var inFlight = 0

    /// Notes that the record at `offset` of `partition` was read. The first record read of a partition
    /// marks where the group's committed position was (or where `start` placed a new group).
    func noteRead(_ partition: TopicPartition, offset: Int64) {
        let position = offset + 1
        guard var entry = partitions[partition] else {
            partitions[partition] = Partition(
                window: AckWindow(confirmed: offset), read: position, committed: offset, requested: offset)
            inFlight += 1
            return
        }
        inFlight += Int(clamping: position - max(entry.read, entry.committed))
        entry.read = max(entry.read, position)
        partitions[partition] = entry
    }

    /// The acknowledgement of the records of `partition` read since the last one, up to the last record
    /// read; its creator's hold is the caller's.
    func acknowledgementOfRead(_ partition: TopicPartition) -> Acknowledgement? {
        guard let entry = partitions[partition] else { return nil }
        return entry.window.acknowledgement(endingAt: entry.read)
    }

    /// The positions to commit now: each partition whose acknowledged position passed what was asked for.
    /// They count as asked for from here on.
    func takeCommitsDue() -> [PartitionOffset] {
        var due: [PartitionOffset] = []
        for (partition, var entry) in partitions {
            let confirmed = entry.window.confirmed
            guard confirmed > entry.requested else { continue }
            entry.requested = confirmed
            partitions[partition] = entry
            due.append(PartitionOffset(partition, confirmed))
        }
        return due.sorted { $0.partition < $1.partition }
    }

    /// Notes what the group stored (a commit result); positions of partitions no longer owned, or behind
    /// what is known to be stored, change nothing.
    func noteCommitted(_ offsets: [PartitionOffset]) {
        for stored in offsets where stored.error == nil {
            guard var entry = partitions[stored.partition], stored.offset > entry.committed else { continue }
            inFlight -= Int(clamping: min(stored.offset, entry.read) - entry.committed)
            entry.committed = stored.offset
            partitions[stored.partition] = entry
        }
    }

    /// Notes that a commit failed: the positions it asked for are asked for again next time.
    func noteCommitFailed(_ offsets: [PartitionOffset]) {
        for failed in offsets {
            guard var entry = partitions[failed.partition] else { continue }
            entry.requested = min(entry.requested, entry.committed)
            partitions[failed.partition] = entry
        }
    }

    /// True when every record read of `partitions` has been acknowledged (delivered or failed).
    func isSettled(_ partitions: [TopicPartition]) -> Bool {
        partitions.allSatisfy { (self.partitions[$0]?.window.pendingCount ?? 0) == 0 }
    }

    /// Records of `partitions` read and not acknowledged yet.
    func unsettled(_ partitions: [TopicPartition]) -> Int {
        partitions.reduce(0) { total, partition in
            guard let entry = self.partitions[partition] else { return total }
            return total + Int(clamping: entry.read - entry.window.confirmed)
        }
    }

    /// Why a partition's acknowledged position stopped short, if a unit of it failed.
    func blockingFailure(of partition: TopicPartition) -> AckFailure? {
        partitions[partition]?.window.blockingFailure
    }

    /// Forgets `partitions` (revoked or lost): acknowledgements still to come for them change nothing.
    func forget(_ partitions: [TopicPartition]) {
        for partition in partitions {
            guard let entry = self.partitions.removeValue(forKey: partition) else { continue }
            inFlight -= Int(clamping: entry.read - entry.committed)
        }
    }

    /// Each owned partition's lag: records after the committed position, up to `end` (the partition's
    /// high watermark, where known).
    func lag(end: (TopicPartition) -> Int64?) -> [PartitionLag] {
        partitions.compactMap { partition, entry in
            guard let end = end(partition) else { return nil }
            return PartitionLag(
                topic: partition.topic, partition: Int(partition.partition),
                records: Int(clamping: max(0, end - entry.committed)))
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}
