import ArgumentParser
import SluiceCore

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
            QueryCommand.self,
        ]
    )

    /// Parses the command line and runs the subcommand. Bad usage exits 2, as DESIGN.md's contract says
    /// (ArgumentParser's own default would be 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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

/// Exit codes of the contract.
enum RunnerExit {
    /// A pipeline file is invalid, or a pipeline could not start.
    static let invalidPipeline = ExitCode(1)
    /// The pipelines ran, but a stage failed for good (a source that could not read, a sink that gave
    /// up), or the shutdown limit passed before everything was delivered.
    static let stageFailed = ExitCode(3)
}
