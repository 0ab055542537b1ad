/// The acknowledgements a batch (or a window, or a sink's pending rows) holds: usually none, otherwise a
/// few references, each standing for one hold on its acknowledgement.
///
/// Empty, it costs no allocation. A copy of a set is not a new hold: whoever duplicates a batch (a
/// fan-out, a split) takes new holds with `retained()`, and whoever ends a set's journey releases it
/// once, with `release(_:)`. The engine does this for batches; a stage only meets sets it asked to hold
/// (`ProcessorOutput.holdAcknowledgements()`).
public struct AckSet: Sendable {
    @usableFromInline var members: [Acknowledgement]

    /// An empty set.
    @inlinable
    public init() {
        members = []
    }

    /// True when the set holds nothing: the common case, checked on every batch.
    @inlinable
    public var isEmpty: Bool { members.isEmpty }

    /// How many holds the set carries.
    public var count: Int { members.count }

    /// The acknowledgements held.
    public var acknowledgements: [Acknowledgement] { members }

    /// Takes a new hold on `acknowledgement`, unless the set holds it already.
    public mutating func insert(_ acknowledgement: Acknowledgement) {
        guard !holdsRecently(acknowledgement) else { return }
        acknowledgement.retain()
        members.append(acknowledgement)
    }

    /// Takes over the holds of `other`; where this set holds one of them already, the extra hold is
    /// released (the set's own hold carries the same fate).
    public mutating func merge(_ other: consuming AckSet) {
        if members.isEmpty {
            members = other.members
            return
        }
        for acknowledgement in other.members {
            if holdsRecently(acknowledgement) {
                acknowledgement.release()
            } else {
                members.append(acknowledgement)
            }
        }
    }

    /// A set with a new hold on each acknowledgement of this one, for a second carrier of the same
    /// events (a batch sent to two consumers, a window row whose panes keep their events).
    public func retained() -> AckSet {
        for acknowledgement in members { acknowledgement.retain() }
        return self
    }

    /// Releases every hold with `outcome`.
    public consuming func release(_ outcome: AckOutcome = .delivered) {
        for acknowledgement in members { acknowledgement.release(outcome) }
    }

    /// Moves the holds out, leaving the set empty.
    public mutating func take() -> AckSet {
        var taken = AckSet()
        swap(&taken, &self)
        return taken
    }

    /// True when one of the last few members is `acknowledgement`. Consecutive batches of one source
    /// mostly share theirs, so this keeps sets small without a scan of a large one; a duplicate that
    /// escapes it is harmless (two holds, each released once).
    private func holdsRecently(_ acknowledgement: Acknowledgement) -> Bool {
        members.suffix(8).contains { $0 === acknowledgement }
    }
}
