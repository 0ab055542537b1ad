import SluiceCore

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
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts the thread that waits for the signals.
    func handle(stop: @escaping @Sendable (String) -> Void, reload: @escaping @Sendable () -> Void) {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Handlers(set: set, stop: stop, reload: reload)).toOpaque()
        pthread_create(
            &thread, nil,
            { argument in
                Unmanaged<Handlers>.fromOpaque(argument!).takeRetainedValue().waitForSignals()
                return nil
            }, box)
        pthread_detach(thread)
    }

    private final class Handlers: @unchecked Sendable {
        var set: sigset_t
        let stop: @Sendable (String) -> Void
        let reload: @Sendable () -> Void

        init(set: sigset_t, stop: @escaping @Sendable (String) -> Void, reload: @escaping @Sendable () -> Void) {
            self.set = set
            self.stop = stop
            self.reload = reload
        }

        private static func detach(_ body: @escaping @Sendable () -> Void) {
            final class Box: @unchecked Sendable {
                let body: @Sendable () -> Void
                init(_ body: @escaping @Sendable () -> Void) { self.body = body }
            }
            var thread = pthread_t()
            pthread_create(
                &thread, nil,
                { argument in
                    Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
                    return nil
                }, Unmanaged.passRetained(Box(body)).toOpaque())
            pthread_detach(thread)
        }

        func waitForSignals() {
            var stopping = false
            while true {
                var signal: Int32 = 0
                sigwait(&set, &signal)
                if signal == SIGHUP {
                    // On a thread of its own: a reload waits for the pipeline to drain, and a stop signal
                    // must still be heard meanwhile.
                    if !stopping { Self.detach(reload) }
                    continue
                }
                if stopping {
                    StandardError.write("runner: second signal; exiting without draining\n")
                    exit(130)
                }
                stopping = true
                stop(signal == SIGINT ? "SIGINT" : "SIGTERM")
            }
        }
    }
}
