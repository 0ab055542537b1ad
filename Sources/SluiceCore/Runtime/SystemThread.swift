#if canImport(Glibc)
    import Glibc
#endif

/// Plain OS threads, for the few long-lived ones the runner needs (workers, sources, timers, the file
/// watcher, signal handling): they block in system calls, which Swift's cooperative pool must not.
package enum SystemThread {
    /// Starts a thread running `body`. A detached thread releases its resources when it ends; a joinable
    /// one must be joined with `pthread_join`.
    @discardableResult
    package static func start(detached: Bool = true, _ body: @escaping @Sendable () -> Void) -> pthread_t {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { argument in
                Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
                return nil
            }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        if detached { pthread_detach(thread) }
        return thread
    }

    private final class Body: @unchecked Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
