import Foundation
import SluiceTesting
import Testing

/// `/api/tables`, `/api/query` and the dashboard's chart against a runner whose pipeline stores its events
/// in SQLite.
@Suite struct StoredTablesTests {
    /// A runner storing `generate` events (`id`, `category`, `value`) in table `events` of a fresh database.
    struct StoringRunner {
        let runner: LiveRunner
        let database: URL

        init() throws {
            let folder = try temporaryFolder()
            database = folder.appendingPathComponent("stats.db")
            let pipeline = folder.appendingPathComponent("stored.yaml")
            try """
            name: stored
            sources:
              numbers:
                type: generate
                rate: 500
                fields: { id: sequence(), category: 'choice(["a", "b"])', value: 'uniform(0, 10)' }
            sinks:
              store: { type: sqlite, inputs: [numbers], path: \(database.path), table: events, timeout: 100ms }
            """.write(to: pipeline, atomically: true, encoding: .utf8)
            runner = try LiveRunner(["--no-watch", pipeline.path])
        }

        /// GETs `/api/query` with `parameters` (sql, db, limit) encoded in the query string.
        func query(_ parameters: [(String, String)]) async throws -> (status: Int, body: [String: Any]) {
            let allowed = CharacterSet.alphanumerics
            let query = parameters.map { name, value in
                "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
            }
            let response = try await runner.get("/api/query?" + query.joined(separator: "&"))
            let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
            return (response.status, body)
        }

        /// The tables `/api/tables` lists.
        func tables() async throws -> [[String: Any]] {
            let body = try await runner.get("/api/tables").body
            return try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] ?? []
        }

        /// Waits until the table holds rows.
        func waitForRows() async throws {
            let stored = try await runner.waitUntil {
                try await tables().first.map { ($0["rows"] as? Int ?? 0) > 0 } ?? false
            }
            #expect(stored, "no rows were ever stored: \(runner.process.stderrSoFar)")
        }
    }

    /// The message of an API error body (`{"error": {"message": ...}}`).
    static func message(_ body: [String: Any]) -> String {
        (body["error"] as? [String: Any])?["message"] as? String ?? "\(body)"
    }

    @Test func tablesListWhatTheSinksWriteWithColumnsAndRowCounts() async throws {
        let stored = try StoringRunner()
        defer { stored.runner.process.send(SIGKILL) }
        try await stored.waitForRows()
        let table = try #require(try await stored.tables().first)
        #expect(table["pipeline"] as? String == "stored")
        #expect(table["stage"] as? String == "store")
        #expect(table["table"] as? String == "events")
        #expect(table["path"] as? String == stored.database.path)
        #expect(table["exists"] as? Bool == true)
        let columns = (table["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(columns).isSuperset(of: ["id", "category", "value"]), "\(columns)")
    }

    @Test func queryReturnsRowsAsArraysInColumnOrder() async throws {
        let stored = try StoringRunner()
        defer { stored.runner.process.send(SIGKILL) }
        try await stored.waitForRows()
        let sql = "SELECT category, count(*) > 0 AS seen FROM events GROUP BY category ORDER BY category"
        let (status, body) = try await stored.query([("sql", sql)])
        #expect(status == 200, "\(body)")
        #expect(body["columns"] as? [String] == ["category", "seen"])
        let rows = body["rows"] as? [[Any]] ?? []
        #expect(rows.compactMap { $0.first as? String } == ["a", "b"] || rows.count == 1, "\(rows)")
        #expect(body["truncated"] as? Bool == false)

        let (_, limited) = try await stored.query([("sql", "SELECT id FROM events"), ("limit", "1")])
        #expect((limited["rows"] as? [[Any]])?.count == 1)
        #expect(limited["truncated"] as? Bool == true)
    }

    /// Writes are refused by the read-only connection, whatever the statement looks like; the rows stay.
    @Test(arguments: [
        "DELETE FROM events", "DROP TABLE events", "CREATE TABLE t (a)", "ATTACH DATABASE 'other.db' AS other",
        "PRAGMA journal_mode = DELETE",
    ])
    func queryRefusesEveryWrite(sql: String) async throws {
        let stored = try StoringRunner()
        defer { stored.runner.process.send(SIGKILL) }
        try await stored.waitForRows()
        let (status, body) = try await stored.query([("sql", sql)])
        #expect(status == 403, "\(body)")
        #expect(Self.message(body).contains("read-only") || Self.message(body).contains("not allowed"), "\(body)")
        let (_, count) = try await stored.query([("sql", "SELECT count(*) FROM events")])
        #expect(((count["rows"] as? [[Any]])?.first?.first as? Int ?? 0) > 0, "\(count)")
    }

    @Test func badQueriesGetClearErrors() async throws {
        let stored = try StoringRunner()
        defer { stored.runner.process.send(SIGKILL) }
        try await stored.waitForRows()
        let (invalid, invalidBody) = try await stored.query([("sql", "SELEC 1")])
        #expect(invalid == 400)
        #expect(Self.message(invalidBody).contains("syntax error"), "\(invalidBody)")
        let (missing, missingBody) = try await stored.query([])
        #expect(missing == 400)
        #expect(Self.message(missingBody).contains("?sql="), "\(missingBody)")
        // Only the databases that sinks write can be read: not any file of the machine.
        let (other, otherBody) = try await stored.query([("sql", "SELECT 1"), ("db", "/etc/passwd")])
        #expect(other == 404)
        #expect(Self.message(otherBody).contains("no sink writes the database '/etc/passwd'"), "\(otherBody)")
        let (_, named) = try await stored.query([("sql", "SELECT 1 AS one"), ("db", stored.database.path)])
        #expect(named["columns"] as? [String] == ["one"])
    }

    /// The dashboard in headless Chromium: the pipeline graph and a chart of the stored table render. The
    /// rendered page and its screenshot are kept in `.build/test-artifacts/dashboard.{html,png}`.
    @Test func dashboardDrawsTheGraphAndAChartInABrowser() async throws {
        guard let chromium = Tool.find("chromium") else {
            Issue.record("chromium is missing: scripts/install-deps.sh installs it")
            return
        }
        let stored = try StoringRunner()
        defer { stored.runner.process.send(SIGKILL) }
        try await stored.waitForRows()
        let url = "http://\(stored.runner.address)/?table=events&time=id&value=value&group=category"
        let profile = try temporaryFolder()
        let browser = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=6000", "--window-size=1280,900",
        ]
        let dom = Tool.run(chromium, browser + ["--dump-dom", url], deadline: 120, keepsErrors: false)
        #expect(dom.status == 0, "\(dom.output.suffix(2_000))")
        // What the page drew, without the script that draws it (which names the same classes).
        let rendered = dom.output.replacing(#/<script>[\s\S]*?</script>/#, with: "")
        #expect(rendered.contains(#"class="stage"#) && rendered.contains("<b>numbers</b>"), "no graph: \(rendered)")
        #expect(rendered.components(separatedBy: #"<polyline class="series""#).count == 3, "no chart: \(rendered)")
        #expect(rendered.contains("</i>a</span>") && rendered.contains("</i>b</span>"), "no legend: \(rendered)")

        // The screenshot is of the page as it rendered, scripts taken out (a screenshot of the live URL is
        // taken before the page's requests have answered).
        let artifacts = RunnerProcess.packageRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let page = artifacts.appendingPathComponent("dashboard.html")
        try rendered.write(to: page, atomically: true, encoding: .utf8)
        let screenshot = artifacts.appendingPathComponent("dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let arguments = browser + ["--screenshot=\(screenshot.path)", page.absoluteString]
        let shot = Tool.run(chromium, arguments, deadline: 120, keepsErrors: false)
        #expect(shot.status == 0, "\(shot.output.suffix(2_000))")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
    }
}
