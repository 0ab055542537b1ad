import SluiceCore
import SluiceGraph

/// One consumer node of an output port, and how batches are spread over its parallel copies (as the
/// execution plan says).
struct Outlet: Sendable {
    let copies: [ProcessorNode]
    let spread: Spread

    /// Enqueues `batch` on the copies it goes to. `turn` is the producer's round-robin counter.
    ///
    /// The batch is moved, not copied, into the consumer's queue, so the stage that processes it holds the
    /// only reference and can change its events in place.
    func send(_ batch: consuming EventBatch, turn: inout Int) {
        switch spread {
        case .single:
            copies[0].enqueue(.batch(consume batch))
        case .roundRobin:
            turn &+= 1
            copies[turn % copies.count].enqueue(.batch(consume batch))
        case .partition(let fields):
            var parts = [EventBatch](repeating: EventBatch(), count: copies.count)
            for event in batch.events {
                var hasher = Hasher()
                for field in fields { hasher.combine(event.value(at: field)) }
                parts[Int(UInt(bitPattern: hasher.finalize()) % UInt(copies.count))].append(event)
            }
            // Each part carries the whole batch's acknowledgements: a hold per part.
            let acknowledgements = batch.acknowledgements.take()
            if !acknowledgements.isEmpty {
                for index in parts.indices where !parts[index].isEmpty {
                    parts[index].acknowledgements = acknowledgements.retained()
                }
                acknowledgements.release()
            }
            // Released before the parts go out, so each event is referenced by its part alone.
            _ = consume batch
            for index in parts.indices where !parts[index].isEmpty {
                copies[index].enqueue(.batch(parts[index].take()))
            }
        }
    }
}

extension [Outlet] {
    /// Sends `batch` to every outlet; the last one gets the caller's reference, so a single consumer
    /// holds the only one. Each further consumer takes its own holds on the batch's acknowledgements;
    /// with no consumer at all the events end here and their holds are released.
    func send(_ batch: consuming EventBatch, turn: inout Int) {
        guard let last else {
            batch.acknowledgements.take().release()
            return
        }
        for outlet in dropLast() {
            var copied = copy batch
            if !copied.acknowledgements.isEmpty { copied.acknowledgements = copied.acknowledgements.retained() }
            outlet.send(copied, turn: &turn)
        }
        last.send(consume batch, turn: &turn)
    }
}

extension EventBatch {
    /// Moves the batch out, leaving an empty one (which allocates nothing) in its place.
    mutating func take() -> EventBatch {
        var taken = EventBatch()
        swap(&taken, &self)
        return taken
    }
}
