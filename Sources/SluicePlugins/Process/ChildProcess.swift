import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A plugin's process, started with `posix_spawn` in a process group of its own with its standard input,
/// output and error on pipes; stopped by signalling the whole group, so a child it forked goes too, and
/// reaped.
///
/// Not Foundation's `Process`: it learns of an exit when a descriptor the child inherited closes, so a
/// plugin's lingering child would make it wait for ever. Here the child inherits nothing above standard
/// error, starts with no signal blocked (the runner blocks SIGINT/SIGTERM/SIGHUP in every thread) and
/// default dispositions, and its exit is read with `waitid`.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The write end of the child's standard input; non-blocking.
    let input: Int32
    /// The read end of the child's standard output; non-blocking.
    let output: Int32
    /// The read end of the child's standard error; blocking. `StderrRelay` reads it and closes it.
    let errors: Int32
    private let inputOpen = Atomic<Bool>(true)
    private let reaped = Mutex<Int32?>(nil)

    private init(pid: pid_t, input: Int32, output: Int32, errors: Int32) {
        self.pid = pid
        self.input = input
        self.output = output
        self.errors = errors
    }

    /// Starts `command` (argv; the program is looked up on PATH unless it holds a `/`) in `folder`.
    static func spawn(_ command: [String], in folder: String) throws(PluginError) -> ChildProcess {
        ignoreBrokenPipes
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            do throws(PluginError) {
                pipes.append(try makePipe())
            } catch {
                closeAll(pipes.flatMap { $0 })
                throw error
            }
        }
        let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        _ = SpawnExtensions.addCloseFrom?(&actions, 3)
        if let addChdir = SpawnExtensions.addChdir {
            _ = folder.withCString { addChdir(&actions, $0) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, command[0], &actions, &attributes, argv, environ)
        closeAll([stdinPipe[0], stdoutPipe[1], stderrPipe[1]])
        guard spawned == 0 else {
            closeAll([stdinPipe[1], stdoutPipe[0], stderrPipe[0]])
            throw .cannotStart("cannot run '\(command[0])' in '\(folder)': \(String(cString: strerror(spawned)))")
        }
        for descriptor in [stdinPipe[1], stdoutPipe[0]] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return ChildProcess(pid: pid, input: stdinPipe[1], output: stdoutPipe[0], errors: stderrPipe[0])
    }

    /// How the process ended, without reaping it (so its pid, and so its group id, stay reserved), or
    /// `nil` while it runs.
    var exitStatus: ExitStatus? {
        if let status = reaped.withLock({ $0 }) { return ExitStatus(waitStatus: status) }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid
        else { return nil }
        return ExitStatus(code: info.si_code, status: info._sifields._sigchld.si_status)
    }

    /// Waits up to `seconds` for the process to exit; true when it has.
    func waitForExit(seconds: Double) -> Bool {
        let deadline = SystemClock.monotonicDeadline(afterSeconds: seconds)
        while exitStatus == nil {
            if SystemClock.monotonicNanoseconds() >= deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// Closes the process's standard input: end of input.
    func closeInput() {
        if inputOpen.exchange(false, ordering: .acquiringAndReleasing) { close(input) }
    }

    /// Stops the process: end of input and `grace` seconds to exit, then SIGTERM to its group and `grace`
    /// more, then SIGKILL. Whatever else is left in its group (a child it forked) is killed, and the
    /// process is reaped. Returns how it ended.
    @discardableResult
    func stop(grace: Double) -> ExitStatus {
        closeInput()
        if !waitForExit(seconds: grace) {
            kill(-pid, SIGTERM)
            if !waitForExit(seconds: grace) { kill(-pid, SIGKILL) }
        }
        // Before reaping, while the group's id cannot belong to anyone else.
        kill(-pid, SIGKILL)
        return reap()
    }

    /// Waits for the exit and collects it; called once, by `stop`.
    private func reap() -> ExitStatus {
        reaped.withLock { reaped in
            if reaped == nil {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                reaped = status
                close(output)
            }
            return ExitStatus(waitStatus: reaped ?? 0)
        }
    }

    deinit {
        if reaped.withLock({ $0 }) == nil { stop(grace: 0) }
    }

    /// A pipe whose ends are closed on exec (`pipe2` needs `_GNU_SOURCE`; a child spawned meanwhile by
    /// another thread closes every descriptor above 2 anyway).
    private static func makePipe() throws(PluginError) -> [Int32] {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw .cannotStart("pipe: \(lastError)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return ends
    }

    private static func closeAll(_ descriptors: [Int32]) {
        for descriptor in descriptors where descriptor >= 0 { close(descriptor) }
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// Writing to a plugin that has exited must fail with EPIPE, not kill the runner with SIGPIPE.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()
}

/// How a plugin's process ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    /// From `waitid`'s `si_code` and `si_status`.
    init(code: Int32, status: Int32) {
        self = code == Int32(CLD_EXITED) ? .exited(status) : .signalled(status)
    }

    /// From a `waitpid` status word (WIFEXITED and friends are macros Swift cannot import).
    init(waitStatus: Int32) {
        let signal = waitStatus & 0x7f
        self = signal == 0 ? .exited((waitStatus >> 8) & 0xff) : .signalled(signal)
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signalled(let signal): return "was killed by signal \(signal)"
        }
    }
}

/// glibc's spawn file actions that Swift does not see without `_GNU_SOURCE`.
private enum SpawnExtensions {
    typealias Actions = UnsafeMutablePointer<posix_spawn_file_actions_t>
    typealias AddCloseFrom = @convention(c) (Actions, Int32) -> Int32
    typealias AddChdir = @convention(c) (Actions, UnsafePointer<CChar>) -> Int32

    static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }
    static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }
}
