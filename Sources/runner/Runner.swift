import ArgumentParser
import Dispatch
import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `runner` command: runs, checks and explains Sluice pipeline files.
@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Run Sluice data pipelines described in YAML files.",
        subcommands: [
            ApplyCommand.self, ValidateCommand.self, GraphCommand.self, DiffCommand.self, StagesCommand.self,
            QueryCommand.self, TopCommand.self, TapCommand.self,
        ]
    )

    /// Parses the command line and runs the subcommand. Bad usage exits 2, as DESIGN.md's contract says
    /// (ArgumentParser's own default would be 64).
    ///
    /// The root stays synchronous: an async `main` on Linux hands the main thread to libdispatch, which
    /// parks it in `sigsuspend` with every signal unblocked, so SIGTERM would kill the process instead
    /// of reaching `apply`'s signal thread. Async subcommands run on Swift concurrency's pool while the
    /// main thread waits, its signals blocked.
    static func main() {
        do {
            var command = try parseAsRoot()
            if let asyncCommand = command as? AsyncParsableCommand {
                // `apply` takes its signals on one thread of its own: every other thread, this one and
                // those started later (which inherit its mask), must block them.
                if command is ApplyCommand { ProcessSignals.block() }
                try waitFor {
                    var running = asyncCommand
                    try await running.run()
                }
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            StandardError.write(fullMessage(for: error) + "\n")
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// Runs `body` on Swift concurrency's pool and blocks the calling thread until it returns.
private func waitFor(_ body: sending @escaping () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<Void, any Error>>(.success(()))
    Task {
        do { try await body() } catch { outcome.withLock { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    try outcome.withLock { $0 }.get()
}

/// Exit codes of the contract.
enum RunnerExit {
    /// A pipeline file is invalid, or a pipeline could not start.
    static let invalidPipeline = ExitCode(1)
    /// Bad command-line usage, or the API's address cannot be listened on.
    static let usage = ExitCode(2)
    /// The pipelines ran, but a stage failed for good (a source that could not read, a sink that gave
    /// up), or the shutdown limit passed before everything was delivered.
    static let stageFailed = ExitCode(3)
}
