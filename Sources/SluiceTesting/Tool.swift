import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs command-line tools (tmux, promtool) for the tests.
///
/// Not through Foundation's `Process`: it learns that a child exited when a socket the child inherited
/// closes, so a tool that leaves a daemon behind (tmux starts its server that way) holds that socket open
/// and `waitUntilExit` never returns. Here the child is spawned with every descriptor above standard error
/// closed, and reaped with `waitpid`; a tool that runs past its deadline is killed and reported.
public enum Tool {
    /// The path of `name` on PATH, or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs `tool arguments...` to completion, with `input` on standard input; returns its exit status
    /// (-1 when it could not start or ran past `deadline` seconds) and its standard output, followed by its
    /// standard error unless `keepsErrors` is false (then they are thrown away: a browser's noise, say).
    public static func run(
        _ tool: String, _ arguments: [String], input: String? = nil, deadline: Double = 60, keepsErrors: Bool = true
    ) -> (status: Int32, output: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        let inputPath = scratch.path + ".in"
        let outputPath = scratch.path + ".out"
        defer {
            unlink(inputPath)
            unlink(outputPath)
        }
        FileManager.default.createFile(atPath: inputPath, contents: Data((input ?? "").utf8))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if keepsErrors {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        _ = addCloseFrom?(&actions, 3)

        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard spawned == 0 else { return (-1, "cannot start \(tool): \(String(cString: strerror(spawned)))") }

        let status = waitForExit(pid, deadline: deadline)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard let status else { return (-1, output + "\n\(tool) ran longer than \(deadline) seconds and was killed") }
        return (status, output)
    }

    /// The exit status of `pid` (128 + the signal when a signal ended it), or nil after killing it at `deadline`.
    private static func waitForExit(_ pid: pid_t, deadline: Double) -> Int32? {
        let end = Date().addingTimeInterval(deadline)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < end else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(10_000)
        }
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import: decode the status word by hand.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Swift does not see without `_GNU_SOURCE`.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
}
