import Logging
import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns signals into calls: SIGINT and SIGTERM into a graceful stop (a second one exits at once with
/// status 130), SIGHUP into a reload. The signals are blocked in every thread and one dedicated thread
/// waits for them, so the handlers can run ordinary Swift code.
final class ProcessSignals: @unchecked Sendable {
    private var set = sigset_t()

    /// Blocks SIGINT, SIGTERM and SIGHUP for this thread and every thread started after it.
    init() {
        set = Self.signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks the signals for the calling thread (the main thread, before any other thread starts).
    static func block() {
        var set = signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    private static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, signal) }
        return set
    }

    /// Starts the thread that waits for the signals.
    func handle(logger: Logger, stop: @escaping @Sendable (String) -> Void, reload: @escaping @Sendable () -> Void) {
        let handlers = Handlers(set: set, logger: logger, stop: stop, reload: reload)
        SystemThread.start { handlers.waitForSignals() }
    }

    /// Whether a reload is running, and whether SIGHUP came again meanwhile.
    private struct Reloads {
        var running = false
        var again = false
    }

    private final class Handlers: @unchecked Sendable {
        var set: sigset_t
        let logger: Logger
        let stop: @Sendable (String) -> Void
        let reload: @Sendable () -> Void
        private let reloads = Mutex(Reloads())

        init(
            set: sigset_t, logger: Logger, stop: @escaping @Sendable (String) -> Void,
            reload: @escaping @Sendable () -> Void
        ) {
            self.set = set
            self.logger = logger
            self.stop = stop
            self.reload = reload
        }

        func waitForSignals() {
            var stopping = false
            while true {
                var signal: Int32 = 0
                sigwait(&set, &signal)
                if signal == SIGHUP {
                    if !stopping { reloadSoon() }
                    continue
                }
                if stopping {
                    logger.notice("second signal; exiting without draining")
                    exit(130)
                }
                stopping = true
                stop(signal == SIGINT ? "SIGINT" : "SIGTERM")
            }
        }

        /// Reloads on a thread of its own (a reload waits for the pipeline to drain, and a stop signal must
        /// still be heard meanwhile). SIGHUPs that come while it runs make one more reload after it, not a
        /// thread each: a flood of them during a reload that cannot drain would exhaust the threads.
        private func reloadSoon() {
            let start = reloads.withLock { state -> Bool in
                if state.running {
                    state.again = true
                    return false
                }
                state.running = true
                return true
            }
            guard start else { return }
            SystemThread.start { [self] in
                repeat {
                    reload()
                } while reloads.withLock { state -> Bool in
                    state.running = state.again
                    state.again = false
                    return state.running
                }
            }
        }
    }
}
