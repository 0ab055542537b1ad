import Synchronization

/// The furthest input position a source may confirm (commit an offset, store a checkpoint): never beyond
/// the lowest position whose input, and all input before it, was delivered.
///
/// A source registers each unit of input in reading order with the position it ends at, and gets an
/// acknowledgement for it; units settle in any order, and `confirmed` moves over the contiguous run of
/// delivered units from the start. A failed unit stops it there, so a restart reads that unit again
/// (`blockingFailure` says why); later units still settle, and wait behind it.
///
/// ```swift
/// let window = AckWindow(confirmed: offset)
/// batch.acknowledgements.insert(window.acknowledgement(endingAt: offset + length))
/// ...
/// store(window.confirmed)   // on the source's own schedule
/// ```
public final class AckWindow<Position: Sendable>: Sendable {
    private struct State {
        var confirmed: Position
        /// The sequence number of `pending[head]`.
        var firstPending: UInt64 = 0
        var head = 0
        /// Units registered and not yet passed by `confirmed`, in order: where each ends, and its outcome
        /// once settled.
        var pending: [(position: Position, outcome: AckOutcome?)] = []
        var blockingFailure: AckFailure?

        var nextSequence: UInt64 { firstPending + UInt64(pending.count - head) }
    }

    private let state: Mutex<State>

    /// A window whose input up to `confirmed` was delivered before (a checkpoint's position, or the start).
    public init(confirmed: Position) {
        state = Mutex(State(confirmed: confirmed))
    }

    /// The furthest position confirmed: every unit ending at or before it was delivered. Only moves forward.
    public var confirmed: Position { state.withLock { $0.confirmed } }

    /// Units registered and not passed by `confirmed` yet (settled or not).
    public var pendingCount: Int { state.withLock { $0.pending.count - $0.head } }

    /// The failure of the first unit that holds `confirmed` back, if one does.
    public var blockingFailure: AckFailure? { state.withLock { $0.blockingFailure } }

    /// Registers the next unit of input, ending at `position`; returns its sequence number for `settle`.
    /// Units must be registered in reading order.
    public func register(endingAt position: Position) -> UInt64 {
        state.withLock { state in
            let sequence = state.nextSequence
            state.pending.append((position, nil))
            return sequence
        }
    }

    /// Records how unit `sequence` settled; returns the confirmed position when this moved it.
    @discardableResult
    public func settle(_ sequence: UInt64, _ outcome: AckOutcome) -> Position? {
        state.withLock { state in
            guard sequence >= state.firstPending, sequence < state.nextSequence else { return nil }
            let index = state.head + Int(sequence - state.firstPending)
            guard state.pending[index].outcome == nil else { return nil }
            state.pending[index].outcome = outcome
            var moved = false
            while state.head < state.pending.count, let settled = state.pending[state.head].outcome {
                guard settled == .delivered else {
                    if case .failed(let failure) = settled, state.blockingFailure == nil {
                        state.blockingFailure = failure
                    }
                    break
                }
                state.confirmed = state.pending[state.head].position
                state.head += 1
                state.firstPending += 1
                moved = true
            }
            // Drop the passed units once they are half the storage, so registering stays amortised O(1).
            if state.head > 64, state.head * 2 > state.pending.count {
                state.pending.removeFirst(state.head)
                state.head = 0
            }
            return moved ? state.confirmed : nil
        }
    }

    /// Registers the next unit, ending at `position`, and returns an acknowledgement (held once, by the
    /// caller) that settles it.
    public func acknowledgement(endingAt position: Position) -> Acknowledgement {
        let sequence = register(endingAt: position)
        return Acknowledgement { [self] outcome in settle(sequence, outcome) }
    }
}
