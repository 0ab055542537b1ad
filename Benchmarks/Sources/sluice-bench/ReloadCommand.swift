import ArgumentParser
import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice-bench reload`: edits a running pipeline's file many times and reports how long each reload
/// paused the sources, and whether any event was lost or repeated.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload a running pipeline many times; report the pauses (p50, p99) and check for loss.",
        discussion: """
            Runs `runner apply` on a pipeline whose `generate` source numbers its events (20,000/s) through a \
            transform to a file, plus an unrelated branch. Each round rewrites the file (write and rename, as \
            editors do), alternating a change to the transform in the middle with a change to the other \
            branch, and waits for the runner to log the reload. At the end it stops the runner with SIGTERM \
            and checks that the ids in the output run 0, 1, 2, ... without a gap or a repeat.
            """)

    @Option(help: "The runner binary (default: `runner` next to this executable).")
    var runner: String?

    @Option(help: "Reloads to perform.")
    var reloads = 300

    @Option(help: "Folder for the pipeline file, its output and the runner's log.")
    var folder = "out/benchmark/reload"

    func run() throws {
        let runnerPath = runner ?? executableDirectory() + "/runner"
        guard isExecutable(runnerPath) else {
            throw ValidationError("no runner at \(runnerPath): build it (swift build -c release) or pass --runner")
        }
        try makeParentDirectories(of: folder + "/x")
        let pipeline = folder + "/numbered.yaml"
        let output = folder + "/out.ndjson"
        let log = folder + "/runner.log"
        unlink(output)
        try write(Self.pipeline(multiplier: 1, threshold: 500, output: output), to: pipeline)
        let started = monotonicSeconds()
        let pid = try spawnChild([runnerPath, "apply", "--no-api", "--watch-debounce", "10ms", pipeline], logPath: log)
        // The file sink creates its file once the pipeline runs; the watcher is watching by then.
        while access(output, F_OK) != 0 && monotonicSeconds() < started + 30 { usleep(2_000) }
        for round in 0..<reloads {
            let text =
                round % 2 == 0
                ? Self.pipeline(multiplier: round + 2, threshold: 500, output: output)
                : Self.pipeline(multiplier: round + 2, threshold: round % 1000, output: output)
            try write(text, to: pipeline)
            let deadline = monotonicSeconds() + 30
            while pauses(in: log).count < round + 1 && monotonicSeconds() < deadline { usleep(2_000) }
            guard pauses(in: log).count >= round + 1 else {
                kill(pid, SIGKILL)
                throw ValidationError("round \(round): the runner did not log a reload within 30 s; see \(log)")
            }
        }
        kill(pid, SIGTERM)
        let usage = try waitForChild(pid, startedAt: started)
        let measured = pauses(in: log).sorted()
        let ids = try outputIDs(output)
        let contiguous = ids.enumerated().allSatisfy { $0.offset == $0.element }
        print("reloads: \(measured.count), runner exit status \(usage.status)")
        print(
            "sources paused: p50 \(format(measured[measured.count / 2], decimals: 2)) ms, "
                + "p99 \(format(measured[max(0, measured.count * 99 / 100 - 1)], decimals: 2)) ms, "
                + "max \(format(measured.last!, decimals: 2)) ms")
        print(
            "events written: \(grouped(Int64(ids.count))); ids 0..<\(ids.count) without gaps or repeats: \(contiguous)")
        if !contiguous || usage.status != 0 { throw ExitCode(1) }
    }

    /// The pause of every reload the runner logged so far, in milliseconds.
    private func pauses(in log: String) -> [Double] {
        guard case .success(let text) = TextFile.read(log) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let range = line.firstRange(of: "sources paused ") else { return nil }
            return Double(line[range.upperBound...].prefix { $0 != " " })
        }
    }

    private func outputIDs(_ path: String) throws -> [Int] {
        try TextFile.read(path).get().split(separator: "\n").map { line in
            guard let range = line.firstRange(of: "\"id\":"),
                let id = Int(line[range.upperBound...].prefix { $0.isNumber })
            else { throw ValidationError("unexpected output line: \(line)") }
            return id
        }
    }

    /// Writes `text` to a temporary file and renames it over `path`, as editors save.
    private func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        let file = try OutputFile(path: temporary)
        try file.write(Array(text.utf8))
        _ = try file.close()
        guard rename(temporary, path) == 0 else { throw SystemCallError("rename \(temporary)") }
    }

    private static func pipeline(multiplier: Int, threshold: Int, output: String) -> String {
        """
        name: numbered
        sources:
          numbers:
            type: generate
            rate: 20000
            fields:
              id: sequence()
        transforms:
          middle:
            type: enrich
            inputs: [numbers]
            fields:
              scaled: id * \(multiplier)
          side:
            type: filter
            inputs: [numbers]
            condition: id % 1000 < \(threshold)
        sinks:
          out:
            type: file
            inputs: [middle]
            path: \(output)
          side_out:
            type: blackhole
            inputs: [side]
        """
    }
}
