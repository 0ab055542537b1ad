import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Tells long-running stage code how the pipeline is stopping, so that work which blocks or retries
/// (a sink retrying a full disk, a source polling) can end in time.
///
/// A graceful stop (SIGINT/SIGTERM, or a reload that removes the stage) first asks sources to stop and
/// lets everything drain; `isAbandoned` turns true when the shutdown limit (`--shutdown-timeout`) has
/// passed and blocking work must give up now (a sink then throws `StageFailure`).
public final class ShutdownSignal: Sendable {
    private let abandoned = Atomic<Bool>(false)

    public init() {}

    /// True once the shutdown limit has passed: stop retrying and fail.
    public var isAbandoned: Bool { abandoned.load(ordering: .acquiring) }

    /// Marks the shutdown limit as passed.
    public func abandon() {
        abandoned.store(true, ordering: .releasing)
    }

    /// Sleeps up to `seconds`, returning early (false) once abandoned; true when the full time passed.
    @discardableResult
    public func sleep(seconds: Double) -> Bool {
        let deadline = SystemClock.monotonicDeadline(afterSeconds: seconds)
        while !isAbandoned {
            let now = SystemClock.monotonicNanoseconds()
            if now >= deadline { return true }
            let step = min(deadline - now, 10_000_000)
            var request = timespec(tv_sec: 0, tv_nsec: Int(step))
            nanosleep(&request, nil)
        }
        return false
    }
}
