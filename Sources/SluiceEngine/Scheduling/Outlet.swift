import SluiceCore

/// One consumer stage of an output port, and how batches are spread over its parallel copies.
struct Outlet: Sendable {
    /// How a batch reaches the copies of the consuming stage.
    enum Spread: Sendable {
        /// One copy: every batch goes to it.
        case single
        /// Stateless copies: whole batches in turn.
        case roundRobin
        /// Keyed copies: each event to the copy its key hashes to, so one key always meets one copy.
        case partition([FieldPath])
    }

    let copies: [ProcessorNode]
    let spread: Spread

    /// The batches to enqueue, paired with their copy. `turn` is the producer's round-robin counter.
    func route(_ batch: EventBatch, turn: inout Int) -> [(ProcessorNode, EventBatch)] {
        switch spread {
        case .single:
            return [(copies[0], batch)]
        case .roundRobin:
            turn &+= 1
            return [(copies[turn % copies.count], batch)]
        case .partition(let fields):
            var parts = [EventBatch](repeating: EventBatch(), count: copies.count)
            for event in batch.events {
                var hasher = Hasher()
                for field in fields { hasher.combine(event.value(at: field)) }
                parts[Int(UInt(bitPattern: hasher.finalize()) % UInt(copies.count))].append(event)
            }
            return zip(copies, parts).filter { !$0.1.isEmpty }
        }
    }
}
