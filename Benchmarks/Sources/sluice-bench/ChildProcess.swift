#if canImport(Glibc)
    import Glibc
#endif

/// What one child process cost: wall time from spawn to exit, CPU time and peak resident memory.
struct ChildUsage {
    /// The exit status (128 + signal number when killed by a signal).
    let status: Int32
    let wallSeconds: Double
    let userSeconds: Double
    let systemSeconds: Double
    /// `ru_maxrss` of the child, in bytes.
    let peakResidentBytes: Int
}

/// Runs `arguments[0]` (a path) with `posix_spawn`, standard output and error appended to `logPath`, and
/// waits for it with `wait4`, whose `rusage` is the child's own: its peak RSS is not mixed with ours.
func runChild(_ arguments: [String], logPath: String) throws -> ChildUsage {
    let started = monotonicSeconds()
    let pid = try spawnChild(arguments, logPath: logPath)
    return try waitForChild(pid, startedAt: started)
}

/// Starts `arguments[0]` (a path) with standard output and error written to `logPath` and standard input
/// from /dev/null; returns its process id.
func spawnChild(_ arguments: [String], logPath: String) throws -> pid_t {
    try makeParentDirectories(of: logPath)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

    let argv = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
    guard spawned == 0 else { throw SystemCallError("posix_spawn \(arguments[0])", code: spawned) }
    return pid
}

/// Waits for the child `pid`, started at `startedAt` (monotonic seconds), and returns what it cost.
func waitForChild(_ pid: pid_t, startedAt started: Double) throws -> ChildUsage {
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 {
        guard errno == EINTR else { throw SystemCallError("wait4") }
    }
    let wall = monotonicSeconds() - started
    // WIFEXITED / WEXITSTATUS are macros Swift cannot import: decode the status word by hand.
    let signal = status & 0x7f
    return ChildUsage(
        status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
        wallSeconds: wall,
        userSeconds: seconds(usage.ru_utime),
        systemSeconds: seconds(usage.ru_stime),
        peakResidentBytes: Int(usage.ru_maxrss) * 1024)
}

private func seconds(_ time: timeval) -> Double {
    Double(time.tv_sec) + Double(time.tv_usec) / 1e6
}
