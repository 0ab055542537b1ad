import Foundation
import SluiceAPI
import SluiceTesting
import Testing

/// A `runner apply` with its API on a free port of 127.0.0.1, for the API tests.
struct LiveRunner {
    let process: RunnerProcess
    let address: APIAddress

    /// Starts `runner apply arguments... --api 127.0.0.1:0` and waits until it logs the port it listens on.
    init(_ arguments: [String], stdout: FileHandle? = nil) throws {
        process = try RunnerProcess(["apply"] + arguments + ["--api", "127.0.0.1:0"], stdout: stdout)
        var port: Int?
        let process = process
        _ = eventually {
            port = Self.port(in: process.stderrSoFar)
            return port != nil || !process.process.isRunning
        }
        guard let port else {
            process.send(SIGKILL)
            throw Failure(message: "the runner never said where its API listens: \(process.stderrSoFar)")
        }
        address = APIAddress(host: "127.0.0.1", port: port)
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The port in `runner: API listening on http://127.0.0.1:PORT`.
    static func port(in log: String) -> Int? {
        guard let range = log.range(of: "API listening on http://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    var client: APIClient { APIClient(address: address) }

    /// GETs `path`.
    func get(_ path: String) async throws -> APIClient.Response {
        try await client.get(path)
    }

    /// The pipelines as `/api/pipelines` shows them.
    func pipelines() async throws -> [PipelineStatus] {
        try APIJSON.decoder().decode([PipelineStatus].self, from: Data(try await get("/api/pipelines").body))
    }

    /// Polls `condition` every 50 ms for up to `seconds`; a state to wait for, never a timing to assert.
    func waitUntil(within seconds: Double = 60, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Waits (with a generous deadline) for the runner to exit; kills it if it does not.
    func exit(within seconds: Double = 60) -> RunnerProcess.Result? {
        guard eventually(within: seconds, { !process.process.isRunning }) else {
            process.send(SIGKILL)
            return nil
        }
        return process.wait()
    }
}

/// An endless pipeline named `name`: `generate` (`numbers`, `rate` events per second) → `filter`
/// (`keep`) → `blackhole` (`out`), written to a file in a fresh folder.
func endlessPipeline(name: String, rate: Int = 2_000) throws -> URL {
    let file = try temporaryFolder().appendingPathComponent("\(name).yaml")
    try """
    name: \(name)
    sources:
      numbers:
        type: generate
        rate: \(rate)
        fields: { id: sequence(), category: 'choice(["a", "b"])' }
    transforms:
      keep:
        type: filter
        inputs: [numbers]
        condition: id >= 0
    sinks:
      out:
        type: blackhole
        inputs: [keep]
    """.write(to: file, atomically: true, encoding: .utf8)
    return file
}
