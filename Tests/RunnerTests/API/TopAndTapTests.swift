import Foundation
import SluiceTesting
import Testing

/// `runner top` and `runner tap` against a live runner, through its API.
@Suite struct TopAndTapTests {
    @Test func topOnceShowsEveryStageAsPlainText() async throws {
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "watched").path])
        defer { runner.process.send(SIGKILL) }
        #expect(try await runner.waitUntil { try await runner.get("/ready").status == 200 })
        let result = try RunnerProcess.run(["top", "--once", "--api", runner.address.description])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("PIPELINE  STAGE") == true, "\(result.stdout)")
        for stage in ["numbers  source generate", "keep     transform filter", "out      sink blackhole"] {
            #expect(lines.contains { $0.hasPrefix("watched   \(stage)") }, "\(stage) missing: \(result.stdout)")
        }
        // Not a terminal: no escape sequences.
        #expect(!result.stdout.contains("\u{1B}"))
    }

    @Test func tapPrintsTheRequestedNumberOfEvents() async throws {
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "sampled").path])
        defer { runner.process.send(SIGKILL) }
        let result = try RunnerProcess.run(
            ["tap", "sampled", "keep", "--limit", "3", "--api", runner.address.description])
        #expect(result.status == 0, "\(result.stderr)")
        let events = result.stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(events.count == 3 && events.allSatisfy { $0?["id"] is Int && $0?["category"] is String })
    }

    @Test func topAndTapSayWhenNoRunnerListens() throws {
        let unused = try ListeningSocket()
        let port = unused.port
        unused.close()
        let top = try RunnerProcess.run(["top", "--once", "--api", "127.0.0.1:\(port)"])
        #expect(top.status == 1)
        #expect(top.stderr.contains("the runner's API at 127.0.0.1:\(port): cannot connect"), "\(top.stderr)")
        let tap = try RunnerProcess.run(["tap", "p", "s", "--api", "127.0.0.1:\(port)"])
        #expect(tap.status == 1)
    }

    @Test func tapOfAStageThatDoesNotExistFails() async throws {
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "missing").path])
        defer { runner.process.send(SIGKILL) }
        let result = try RunnerProcess.run(["tap", "missing", "nope", "--api", runner.address.description])
        #expect(result.status == 1)
        #expect(result.stderr.contains("404") && result.stderr.contains("no stage 'nope'"), "\(result.stderr)")
    }

    /// `runner top` in a real terminal (tmux): it draws the table in place and refreshes it.
    @Test func topDrawsTheTableInATerminal() async throws {
        guard let tmux = Tool.find("tmux") else {
            Issue.record("tmux is missing: scripts/install-deps.sh installs it")
            return
        }
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "terminal").path])
        defer { runner.process.send(SIGKILL) }
        let session = "sluice-top-\(UUID().uuidString.prefix(8))"
        let command = "\(RunnerProcess.executable.path) top --api \(runner.address)"
        #expect(Tool.run(tmux, ["new-session", "-d", "-s", session, "-x", "160", "-y", "30", command]).status == 0)
        defer { _ = Tool.run(tmux, ["kill-session", "-t", session]) }
        func screen() -> String { Tool.run(tmux, ["capture-pane", "-p", "-t", session]).output }
        #expect(
            eventually(within: 20) { screen().contains("terminal  keep") && screen().contains("runner top") },
            "the table never appeared:\n\(screen())")
        // Redrawn in place: the header appears once, however many refreshes happened.
        #expect(eventually { screen().components(separatedBy: "PIPELINE").count == 2 })
        // The rates fill in once the runner has sampled twice.
        func keepRate() -> String? {
            let row = screen().split(separator: "\n").first { $0.hasPrefix("terminal  keep") }
            return row?.split(separator: " ").dropFirst(4).first.map(String.init)
        }
        #expect(eventually { keepRate().map { $0 != "0" } ?? false }, "no live rate:\n\(screen())")
    }
}
