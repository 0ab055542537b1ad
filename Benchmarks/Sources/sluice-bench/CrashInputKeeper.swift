#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the input being fuzzed in a fixed buffer, and on a crash (a trap, a stack overflow, an abort) writes
/// it to a file from the signal handler before the Swift runtime's own handler prints the backtrace.
///
/// A signal handler may only call async-signal-safe functions: it uses `open`, `write` and `close` on memory
/// allocated up front. It runs on an alternate stack, so a stack overflow can still be reported.
final class CrashInputKeeper: @unchecked Sendable {
    /// The most bytes of an input kept; longer inputs are cut (the report says so).
    static let capacity = 1 << 20
    private static let signals = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]

    private let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    private var count = 0
    private let path: UnsafeMutablePointer<CChar>
    private var previous: [Int32: sigaction] = [:]

    /// The keeper the signal handler reads; one at a time (`install` replaces it).
    nonisolated(unsafe) private static var current: CrashInputKeeper?

    private init(path: String) {
        self.path = strdup(path)
    }

    /// Installs the handler for the crash signals, writing to `path`.
    static func install(path: String) -> CrashInputKeeper {
        let keeper = CrashInputKeeper(path: path)
        unlink(path)  // a file left by an earlier run would read as this run's crash
        current = keeper
        let stackSize = 1 << 16
        var stack = stack_t()
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: stackSize, alignment: 16)
        stack.ss_size = stackSize
        sigaltstack(&stack, nil)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, context in
                CrashInputKeeper.current?.writeInput()
                CrashInputKeeper.current?.forward(signal, info, context)
            }
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            var old = sigaction()
            sigaction(signal, &action, &old)
            keeper.previous[signal] = old
        }
        return keeper
    }

    /// Copies `input` into the buffer, where a crash will find it.
    func keep(_ input: String) {
        var text = input
        text.withUTF8 { bytes in
            count = min(bytes.count, Self.capacity)
            buffer.update(from: bytes.baseAddress!, count: count)
        }
    }

    private func writeInput() {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { return }
        var offset = 0
        while offset < count {
            let written = write(descriptor, buffer + offset, count - offset)
            if written <= 0 { break }
            offset += written
        }
        close(descriptor)
        let note = "\nfuzz: the crashing input was written to the .crash file named by --crash-folder\n"
        _ = note.withCString { write(2, $0, strlen($0)) }
    }

    /// Hands the signal to the handler installed before ours (the runtime's backtracer), or the default.
    private func forward(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?)
    {
        var old = previous[signal] ?? sigaction()
        if old.sa_flags & SA_SIGINFO != 0, let handler = old.__sigaction_handler.sa_sigaction {
            handler(signal, info, context)
            return
        }
        old.__sigaction_handler.sa_handler = SIG_DFL
        sigaction(signal, &old, nil)
        raise(signal)
    }
}
