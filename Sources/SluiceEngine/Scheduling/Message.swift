import SluiceCore

/// What travels through a node's input queue.
enum Message {
    /// Events to process.
    case batch(EventBatch)
    /// One upstream producer has finished; after the last one the node finishes too.
    case end
    /// Time has passed; processors with a tick interval do time-driven work.
    case tick
    /// A reload removes or replaces these stages (identified by their `StageCopy`): finish them, flushing
    /// what they hold downstream, without ending the node's consumers.
    case retire(Set<ObjectIdentifier>)

    /// How many events the message counts for in queue capacity.
    var eventCount: Int {
        if case .batch(let batch) = self { return batch.count }
        return 0
    }
}

/// Something that sleeps while a queue is full and must be woken when it has room again.
protocol QueueSpaceWaiter: AnyObject, Sendable {
    func queueHasSpace()
}
