import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT and SIGTERM into a graceful stop: the signals are blocked in every thread and a
/// dedicated thread waits for them, so the handler can run ordinary Swift code. A second signal exits
/// at once with status 130.
final class ShutdownSignals: @unchecked Sendable {
    private var set = sigset_t()

    /// Blocks SIGINT and SIGTERM for this thread and every thread started after it.
    init() {
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `handler` with the signal's name on the first signal, on a thread of its own.
    func onFirstSignal(_ handler: @escaping @Sendable (String) -> Void) {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Handler(set: set, handler: handler)).toOpaque()
        pthread_create(
            &thread, nil,
            { argument in
                let box = Unmanaged<Handler>.fromOpaque(argument!).takeRetainedValue()
                box.waitForSignals()
                return nil
            }, box)
        pthread_detach(thread)
    }

    private final class Handler: @unchecked Sendable {
        var set: sigset_t
        let handler: @Sendable (String) -> Void

        init(set: sigset_t, handler: @escaping @Sendable (String) -> Void) {
            self.set = set
            self.handler = handler
        }

        func waitForSignals() {
            var signal: Int32 = 0
            sigwait(&set, &signal)
            handler(signal == SIGINT ? "SIGINT" : "SIGTERM")
            sigwait(&set, &signal)
            StandardError.write("runner: second signal; exiting without draining\n")
            exit(130)
        }
    }
}
