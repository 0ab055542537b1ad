import ArgumentParser
import Foundation
import SluiceAPI
import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// `runner tap PIPELINE STAGE`: prints a live sample of the events a stage emits, as NDJSON.
struct TapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract:
            "Print a live sample of the events a stage of a running `runner apply` emits, one JSON object per line.",
        discussion: """
            Runs until --limit events were printed or the runner stops. Exits 1 when the runner cannot be \
            reached or has no such stage.
            """)

    @Argument(help: "The pipeline's name.")
    var pipeline: String

    @Argument(help: "The stage's id.")
    var stage: String

    @Option(help: "Stop after this many events.")
    var limit: Int?

    @Option(help: "At most this many events per second (the rest are skipped).")
    var rate: Double = 100

    @Option(help: "The address of the runner's API (its --api).")
    var api: String = APIAddress.standard.description

    func validate() throws {
        guard APIAddress(parsing: api) != nil else { throw ValidationError("--api must be HOST:PORT, not '\(api)'") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        let client = APIClient(address: APIAddress(parsing: api)!)
        var query = "rate=\(rate)"
        if let limit { query += "&limit=\(limit)" }
        let path = "/api/pipelines/\(Self.escape(pipeline))/tap/\(Self.escape(stage))?\(query)"
        var refusal: [UInt8] = []
        let status: Int
        do {
            status = try await client.stream(path) { status, bytes in
                guard status == 200 else {
                    refusal += bytes
                    return
                }
                StandardOutput.write(bytes)
            }
        } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode(1)
        }
        guard status == 200 else {
            StandardError.write("error: the runner answered \(status): \(String(decoding: refusal, as: UTF8.self))\n")
            throw ExitCode(1)
        }
    }

    /// Percent-escapes a path segment.
    private static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/")))
            ?? segment
    }
}
