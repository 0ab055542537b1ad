import SluiceCore
import Synchronization

/// One running copy of a chain of processors (a single stage, or stateless stages fused together)
/// with its bounded input queue.
///
/// Producers `enqueue` messages; the first message that finds the node idle puts it on the worker
/// pool's run queue. A worker then takes a turn: it processes a few messages and hands the outputs to
/// the consuming nodes. Before each message it checks the consumers' queues: if one is full, the node
/// parks itself as a waiter on that queue and is rescheduled when the queue drains, so a slow stage
/// holds back its producers all the way to the sources.
final class ProcessorNode: QueueSpaceWaiter, @unchecked Sendable {
    let name: String
    let capacity: Int
    /// The stages of the chain, in order; what one emits on port 0 is what the next processes.
    let links: [StageCopy]
    private let pool: WorkerPool
    private let inFlight: InFlightCounter
    /// Consumers of the last link's outputs, by port. Set while the pipeline is wired, before it runs.
    var outlets: [[Outlet]] = []
    /// Called once when the node has finished (all inputs ended, chain finished, ends sent downstream).
    var onFinished: (@Sendable () -> Void)?
    /// Called (on the worker) the first time a stage of the chain throws `StageFailure`.
    var onStageFailed: (@Sendable (StageCopy, StageFailure) -> Void)?

    private struct Mailbox {
        var messages = FIFO<Message>()
        var queuedEvents = 0
        var scheduled = false
        var openInputs = 0
        var tickPending = false
        var waiters: [QueueSpaceWaiter] = []
        /// Set when a reload replaced the node; it accepts nothing more.
        var replaced = false
    }

    private let mailbox = Mutex(Mailbox())
    // Touched only by the worker holding the node's turn.
    private var roundRobinTurn = 0
    private static let messagesPerTurn = 16

    init(name: String, links: [StageCopy], capacity: Int, pool: WorkerPool, inFlight: InFlightCounter) {
        self.name = name
        self.links = links
        self.capacity = capacity
        self.pool = pool
        self.inFlight = inFlight
        tickingLinks = links.indices.filter { links[$0].processor.tickInterval != nil }
        tickInterval = tickingLinks.compactMap { links[$0].processor.tickInterval }.min()
    }

    /// True once every stage of the chain has finished.
    var isFinished: Bool { links.allSatisfy(\.finished) }

    /// How often the node wants a `tick`: the shortest interval of its stages, nil when none ticks.
    let tickInterval: ConfigDuration?
    /// The positions of the links that tick, in order.
    private let tickingLinks: [Int]

    /// Registers one more upstream producer whose `end` the node must see before it finishes.
    func addInput() {
        mailbox.withLock { $0.openInputs += 1 }
    }

    /// True while some producer has not sent its `end`.
    var hasOpenInputs: Bool {
        mailbox.withLock { $0.openInputs > 0 }
    }

    // MARK: Producers' side

    /// True while the queue holds at least `capacity` events.
    var isFull: Bool {
        mailbox.withLock { $0.queuedEvents >= capacity }
    }

    /// Adds `waiter` to be woken when the queue has room; false (and not added) if it has room now.
    func park(_ waiter: QueueSpaceWaiter) -> Bool {
        mailbox.withLock { box in
            guard box.queuedEvents >= capacity else { return false }
            if !box.waiters.contains(where: { $0 === waiter }) { box.waiters.append(waiter) }
            return true
        }
    }

    func enqueue(_ message: consuming Message) {
        let events = message.eventCount
        let isTick = if case .tick = message { true } else { false }
        // Moved into the queue under the lock: a worker may process it before this call returns, and a
        // reference left here would make it copy the events it changes.
        var pending = Optional(consume message)
        let wake = mailbox.withLock { box -> Bool in
            // A timer may still hold a node a reload replaced: its stages now run in another node.
            if box.replaced { return false }
            if isTick {
                if box.tickPending { return false }
                box.tickPending = true
            }
            inFlight.increment()
            if events > 0 { links[0].metrics.queueDepth.add(events, ordering: .relaxed) }
            box.messages.push(pending.take()!)
            box.queuedEvents += events
            if box.scheduled { return false }
            box.scheduled = true
            return true
        }
        if wake { pool.schedule(self) }
        if case .batch(var refused)? = pending.take(), !refused.acknowledgements.isEmpty {
            refused.acknowledgements.take().release(
                .failed(AckFailure(stage: name, reason: .stageFailed, message: "the node was replaced by a reload")))
        }
    }

    /// Makes the node refuse every later message; a reload calls it on the nodes it replaces.
    func markReplaced() {
        mailbox.withLock { $0.replaced = true }
    }

    /// A consumer this node waited on has room again: take a turn if there is work.
    func queueHasSpace() {
        let wake = mailbox.withLock { box -> Bool in
            guard !box.scheduled, !box.messages.isEmpty else { return false }
            box.scheduled = true
            return true
        }
        if wake { pool.schedule(self) }
    }

    // MARK: The worker's side

    /// Processes up to a few messages; called by a worker that took the node from the run queue.
    func runTurn() {
        for _ in 0..<Self.messagesPerTurn {
            if parkOnFullConsumer() { return }
            var (message, waiters) = mailbox.withLock { box -> (Message?, [QueueSpaceWaiter]) in
                guard let message = box.messages.pop() else {
                    box.scheduled = false
                    return (nil, [])
                }
                box.queuedEvents -= message.eventCount
                if case .tick = message { box.tickPending = false }
                guard box.queuedEvents < capacity, !box.waiters.isEmpty else { return (message, []) }
                defer { box.waiters.removeAll() }
                return (message, box.waiters)
            }
            guard let events = message?.eventCount else { return }
            if events > 0 { links[0].metrics.queueDepth.subtract(events, ordering: .relaxed) }
            for waiter in waiters { waiter.queueHasSpace() }
            handle(message.take()!)
            inFlight.decrement()
        }
        let more = mailbox.withLock { box -> Bool in
            if box.messages.isEmpty {
                box.scheduled = false
                return false
            }
            return true
        }
        if more { pool.schedule(self) }
    }

    /// If a consumer's queue is full, gives up the turn and waits on it. True when the turn was given up.
    private func parkOnFullConsumer() -> Bool {
        for outlet in outlets.joined() {
            for copy in outlet.copies where copy !== self && copy.isFull {
                mailbox.withLock { $0.scheduled = false }
                // From here another worker may take the node's turn; this one must not touch it again.
                if !copy.park(self) { queueHasSpace() }
                return true
            }
        }
        return false
    }

    private func handle(_ message: consuming Message) {
        switch consume message {
        case .batch(let batch):
            pass([batch], from: 0) { _ in .none }
        case .tick:
            guard let first = tickingLinks.first else { return }
            let now = SystemClock.wallMilliseconds()
            pass([], from: first) { index in
                self.links[index].finished || self.links[index].processor.tickInterval == nil ? .none : .tick(now)
            }
        case .end:
            let last = mailbox.withLock { box -> Bool in
                box.openInputs -= 1
                return box.openInputs == 0
            }
            if last {
                finishLinks()
                for outlet in outlets.joined() {
                    for copy in outlet.copies { copy.enqueue(.end) }
                }
                onFinished?()
            }
        case .retire(let stages):
            finishLinks(only: stages)
        }
    }

    /// What a link does in a pass after processing the batches that reach it.
    private enum LinkCall {
        case none
        case tick(Int64)
        case finish
    }

    /// Finishes the links not finished yet (all, or those of `only`) in one pass down the chain: each link
    /// first processes what the links before it emitted while finishing, then finishes itself.
    private func finishLinks(only stages: Set<ObjectIdentifier>? = nil) {
        pass([], from: 0) { index in
            let link = self.links[index]
            guard !link.finished, stages?.contains(ObjectIdentifier(link)) ?? true else { return .none }
            link.finished = true
            return .finish
        }
    }

    /// Passes `batches` down the chain from link `start`: each link processes what reaches it, then does
    /// what `call` asks of it (a tick, a finish); what it emits on port 0 goes on to the next link, and the
    /// last link's output to the consumers. One pass visits each link once, so finishing a chain of n
    /// stages costs n calls, not n².
    ///
    /// Every batch is moved, never copied, from one link to the next, so a stage holds the only reference
    /// to the batch it is given and changes its events in place.
    private func pass(_ batches: consuming [EventBatch], from start: Int, call: (Int) -> LinkCall) {
        var current = batches
        for index in start..<links.count {
            let extra = call(index)
            if current.isEmpty, case .none = extra { continue }
            var reaching: [EventBatch] = []
            swap(&reaching, &current)
            var produced = runLink(index, reaching, then: extra)
            if index == links.count - 1 {
                deliver(produced)
            } else {
                swap(&current, &produced[0])
            }
        }
    }

    /// Runs link `index` on `batches`, then `extra`; returns what it emitted, by port.
    private func runLink(_ index: Int, _ batches: consuming [EventBatch], then extra: LinkCall) -> [[EventBatch]] {
        let link = links[index]
        var output = ProcessorOutput(portCount: link.portCount, log: link.log)
        let started = SystemClock.monotonicNanoseconds()
        var batches = batches
        for position in batches.indices {
            var batch = batches[position].take()
            let count = batch.count
            link.metrics.eventsIn.add(count, ordering: .relaxed)
            link.metrics.bytesIn.add(batch.byteCount, ordering: .relaxed)
            let call = output.beginCall(acknowledging: batch.acknowledgements.take())
            let failure = invoke(link, consume batch, output: &output) { processor, batch, output in
                try processor.process(batch, output: &output)
            }
            output.endCall(call, failure: failure)
        }
        switch extra {
        case .none: break
        case .tick(let now):
            invoke(link, EventBatch(), output: &output) { processor, _, output in
                try processor.tick(nowMilliseconds: now, output: &output)
            }
        case .finish:
            invoke(link, EventBatch(), output: &output) { processor, _, output in
                try processor.finish(output: &output)
            }
        }
        link.metrics.busyNanoseconds.add(SystemClock.monotonicNanoseconds() - started, ordering: .relaxed)
        link.metrics.addDrops(output.takeDrops())
        link.metrics.addCounters(output.takeCounters())
        link.metrics.bytesOut.add(output.bytesWritten, ordering: .relaxed)
        let produced = output.takeBatches()
        if link.metrics.tap.isTapped {
            for batch in produced.joined() { link.metrics.tap.offer(batch) }
        }
        link.metrics.eventsOut.add(produced.joined().reduce(0) { $0 + $1.count }, ordering: .relaxed)
        return produced
    }

    /// Calls `body` on `link`'s stage with `batch` (empty for a tick or a finish) and accounts for what it
    /// throws: an ordinary error costs the batch, `StageFailure` fails the stage for good. A stage that
    /// failed for good is never called again: what reaches it is counted, not lost silently. Returns why
    /// the batch was lost, or nil when the call succeeded.
    @discardableResult
    private func invoke(
        _ link: StageCopy, _ batch: consuming EventBatch, output: inout ProcessorOutput,
        _ body: (any Processor, consuming EventBatch, inout ProcessorOutput) throws -> Void
    ) -> AckFailure? {
        let events = batch.count
        guard !link.hasFailed else {
            link.metrics.addDrop(events, reason: .stageFailed)
            return AckFailure(stage: link.log.stage, reason: .stageFailed, message: "the stage had failed for good")
        }
        link.callStarts()
        defer { link.callEnded() }
        do {
            try body(link.processor, consume batch, &output)
            return nil
        } catch let failure as StageFailure {
            link.metrics.errors.add(1, ordering: .relaxed)
            link.metrics.addDrop(events, reason: .stageFailed)
            if link.markFailed() { onStageFailed?(link, failure) }
            return AckFailure(stage: link.log.stage, reason: .stageFailed, message: failure.message)
        } catch {
            link.metrics.errors.add(1, ordering: .relaxed)
            link.metrics.addDrop(events, reason: .stageError)
            link.log.error("\(error)")
            return AckFailure(stage: link.log.stage, reason: .stageError, message: "\(error)")
        }
    }

    private func deliver(_ produced: consuming [[EventBatch]]) {
        var produced = produced
        for port in produced.indices {
            // An output nobody reads ends its events here: `[Outlet].send` releases their holds.
            let consumers = port < outlets.count ? outlets[port] : []
            for position in produced[port].indices {
                consumers.send(produced[port][position].take(), turn: &roundRobinTurn)
            }
        }
    }
}
