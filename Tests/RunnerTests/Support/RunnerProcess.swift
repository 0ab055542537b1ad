import Foundation
import Testing

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
    /// Signalled when the process exits (and again by every `wait` that saw it, for the next one).
    private let exited = DispatchSemaphore(value: 0)
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
        // Tests run in parallel: an `apply` that names no API address gets a free port, not the default.
        var arguments = arguments
        if arguments.first == "apply", !arguments.contains(where: { $0 == "--api" || $0 == "--no-api" }) {
            arguments += ["--api", "127.0.0.1:0"]
        }
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
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    /// Runs `runner arguments...` to completion.
    static func run(
        _ arguments: [String], in directory: URL = packageRoot, stdin: URL? = nil, environment: [String: String] = [:],
        addressSpaceKiB: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Result {
        let running = try RunnerProcess(
            arguments, in: directory, stdin: stdin, environment: environment, addressSpaceKiB: addressSpaceKiB)
        return running.wait(sourceLocation: sourceLocation)
    }

    /// What the process has written to standard error so far.
    var stderrSoFar: String {
        (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit. One that has not exited within `seconds` is a failed test: it is
    /// recorded as an issue and the process is killed, so a runner that hangs fails the test loudly
    /// instead of hanging it.
    func wait(within seconds: Double = 300, sourceLocation: SourceLocation = #_sourceLocation) -> Result {
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            let log = stderrSoFar.suffix(2_000)
            Issue.record(
                "runner \(process.arguments ?? []) did not exit within \(Int(seconds)) s; killed. Its log:\n\(log)",
                sourceLocation: sourceLocation)
            send(SIGKILL)
            exited.wait()
        }
        exited.signal()
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

/// The number of complete lines in the file at `url` (0 while it does not exist): how far a running
/// pipeline's file sink has got, for tests that wait for progress instead of sleeping.
func lineCount(_ url: URL) -> Int {
    guard let data = try? Data(contentsOf: url) else { return 0 }
    return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
}

/// The rows of an NDJSON file.
func ndjsonRows(_ url: URL) throws -> [[String: Any]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
}

/// An endless pipeline (20,000 numbered events a second) that counts every event of each `window` (by
/// default one window over the whole run) into `output`, with a raw copy of the events in `raw` that
/// shows how far it has got.
func countingPipeline(output: URL, raw: URL, window: String = "{ type: global }") -> String {
    """
    sources:
      numbers:
        type: generate
        rate: 20000
        fields:
          id: sequence()
    aggregations:
      total:
        type: aggregate
        inputs: [numbers]
        window: \(window)
        metrics:
          events: count()
          last_id: max(id)
    sinks:
      out:
        type: file
        inputs: [total]
        path: \(output.path)
      raw:
        type: file
        inputs: [numbers]
        path: \(raw.path)
    """
}
