import Synchronization

/// A one-shot gate between services that start in order: one service `open`s it (or `fail`s it) once
/// it is up; others `wait` for that. A task cancelled while waiting stops waiting (as if failed).
public final class StartupGate: Sendable {
    private enum State {
        case waiting([UInt64: CheckedContinuation<Bool, Never>], next: UInt64)
        case done(Bool)
    }

    private let state = Mutex<State>(.waiting([:], next: 0))

    public init() {}

    /// Lets every waiter, present and future, go on: `wait` returns true.
    public func open() { finish(true) }

    /// The awaited service could not start: `wait` returns false.
    public func fail() { finish(false) }

    /// Waits until the gate is opened (true) or failed, or the task is cancelled (false).
    public func wait() async -> Bool {
        let key = state.withLock { state -> UInt64? in
            guard case .waiting(let waiters, let next) = state else { return nil }
            state = .waiting(waiters, next: next + 1)
            return next
        }
        guard let key else { return result ?? false }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let outcome = state.withLock { state -> Bool? in
                    switch state {
                    case .done(let outcome): return outcome
                    case .waiting(var waiters, let next):
                        guard !Task.isCancelled else { return false }
                        waiters[key] = continuation
                        state = .waiting(waiters, next: next)
                        return nil
                    }
                }
                if let outcome { continuation.resume(returning: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard case .waiting(var waiters, let next) = state else { return nil }
                let continuation = waiters.removeValue(forKey: key)
                state = .waiting(waiters, next: next)
                return continuation
            }
            continuation?.resume(returning: false)
        }
    }

    private var result: Bool? {
        state.withLock { if case .done(let outcome) = $0 { outcome } else { nil } }
    }

    private func finish(_ outcome: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard case .waiting(let waiters, _) = state else { return [] }
            state = .done(outcome)
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }
}
