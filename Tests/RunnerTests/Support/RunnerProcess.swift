import Foundation

/// Runs the real `runner` binary built beside the test bundle, for end-to-end tests.
struct RunnerProcess {
    /// What a finished run printed and returned.
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The package root, where `pipelines/` lives; tests run the binary from there.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The `runner` executable in the same build folder as the running test bundle.
    static let executable: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // The test binary sits in `<build>/<config>/X.xctest` or `<build>/<config>/X.xctest/...`.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("runner").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("runner")
    }()

    let process = Process()
    private let stdoutFile: URL
    private let stderrFile: URL

    /// Starts `runner arguments...` in `directory` (default: the package root), with `environment` added
    /// to the test's own. Standard output goes to a file read by `wait()`, or to `stdout` when given (a
    /// pipe, say). `addressSpaceKiB` caps the process's virtual memory (`ulimit -v`), so a run that would
    /// grow without bound fails instead of swapping.
    init(
        _ arguments: [String], in directory: URL = RunnerProcess.packageRoot, stdin: URL? = nil,
        environment: [String: String] = [:], stdout: FileHandle? = nil, addressSpaceKiB: Int? = nil
    ) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        stdoutFile = scratch.appendingPathComponent("stdout")
        stderrFile = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        if let addressSpaceKiB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "ulimit -v \(addressSpaceKiB) && exec \"$0\" \"$@\"", Self.executable.path] + arguments
        } else {
            process.executableURL = Self.executable
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.standardOutput = try stdout ?? FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: stdin) }
        try process.run()
    }

    /// Runs `runner arguments...` to completion.
    static func run(
        _ arguments: [String], in directory: URL = packageRoot, stdin: URL? = nil, environment: [String: String] = [:],
        addressSpaceKiB: Int? = nil
    ) throws -> Result {
        let running = try RunnerProcess(
            arguments, in: directory, stdin: stdin, environment: environment, addressSpaceKiB: addressSpaceKiB)
        return running.wait()
    }

    /// What the process has written to standard error so far.
    var stderrSoFar: String {
        (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit.
    func wait() -> Result {
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")
    }
}

/// A fresh temporary folder for one test.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
