import ArgumentParser
import Foundation
import SluiceAPI
import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// `runner top`: a live table of every stage of a running runner, through its API.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract:
            "Show every stage of a running `runner apply` (rates, queue fill, busy, errors), refreshed each second.",
        discussion: """
            On a terminal the table is redrawn in place; otherwise (a pipe, a file) a new table is printed each \
            second. --once prints one table and exits. Exits 1 when the runner cannot be reached.
            """)

    @Option(help: "The address of the runner's API (its --api).")
    var api: String = APIAddress.standard.description

    @Flag(help: "Print one table and exit.")
    var once = false

    @Option(help: "Seconds between refreshes.")
    var interval: Double = 1

    func validate() throws {
        guard APIAddress(parsing: api) != nil else { throw ValidationError("--api must be HOST:PORT, not '\(api)'") }
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() async throws {
        let client = APIClient(address: APIAddress(parsing: api)!)
        let terminal = isatty(STDOUT_FILENO) == 1 && !once
        // Rates cover the runner's last sampling second, so even the first table shows live figures.
        while true {
            let table: String
            do {
                table = try await Self.table(client)
            } catch {
                StandardError.write("error: \(error)\n")
                throw ExitCode(1)
            }
            // Home and clear the screen, then draw: the table stays in place on a terminal.
            let title = "runner top — \(client.address) — Ctrl-C to quit\n\n"
            StandardOutput.write(terminal ? "\u{1B}[H\u{1B}[2J" + title + table : table + "\n")
            if once { return }
            try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
    }

    private static func table(_ client: APIClient) async throws -> String {
        let response = try await client.get("/api/pipelines")
        guard response.status == 200 else {
            throw APIClient.Failure(address: client.address, reason: "answered \(response.status): \(response.text)")
        }
        return TopView.render(try APIJSON.decoder().decode([PipelineStatus].self, from: Data(response.body)))
    }
}
