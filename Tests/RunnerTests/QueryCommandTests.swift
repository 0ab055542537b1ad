import Foundation
import Testing

/// `runner query` through the real binary, on the database that pipelines/clickstream-to-sqlite.yaml writes.
@Suite struct QueryCommandTests {
    private let folder: URL
    private let database: String

    /// Runs the example pipeline from a copy of pipelines/, so the test reads what a user would.
    init() throws {
        folder = try temporaryFolder()
        try FileManager.default.copyItem(
            at: RunnerProcess.packageRoot.appendingPathComponent("pipelines"),
            to: folder.appendingPathComponent("pipelines"))
        let run = try RunnerProcess.run(["apply", "pipelines/clickstream-to-sqlite.yaml"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        database = folder.appendingPathComponent("out/analytics.db").path
    }

    private func query(_ arguments: String...) throws -> RunnerProcess.Result {
        try RunnerProcess.run(["query", "--db", database] + arguments, in: folder)
    }

    private static let perCategory =
        "SELECT category, sum(clicks) AS clicks FROM category_stats GROUP BY category ORDER BY category"

    /// The events the example keeps: a value of at least 1 and a category that is not blank.
    private static func keptEvents() throws -> Int {
        let sample = try String(
            contentsOf: RunnerProcess.packageRoot.appendingPathComponent("pipelines/data/clickstream.ndjson"),
            encoding: .utf8)
        return try sample.split(separator: "\n").filter { line in
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let category = (event["category"] as? String ?? "").trimmingCharacters(in: .whitespaces)
            return (event["value"] as? Double ?? 0) >= 1 && !category.isEmpty
        }.count
    }

    @Test func printsATableWithAFooter() throws {
        let result = try query(Self.perCategory)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "category  clicks")
        #expect(lines.dropFirst(2).first?.hasPrefix("books") == true)
        #expect(lines.last == "(5 rows)")
    }

    @Test func printsJSONThatAddsUpToTheKeptEvents() throws {
        let result = try query("--format", "json", Self.perCategory)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["category"] as? String } == ["books", "games", "garden", "music", "toys"])
        #expect(rows.reduce(0) { $0 + ($1["clicks"] as? Int ?? 0) } == (try Self.keptEvents()))
        #expect(result.stderr.isEmpty)
    }

    @Test func printsCSVWithAHeader() throws {
        let result = try query("--format", "csv", Self.perCategory)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.first == "category,clicks")
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",").count == 2 })
    }

    @Test(arguments: [
        "INSERT INTO category_stats (category) VALUES ('x')",
        "UPDATE category_stats SET clicks = 0",
        "DELETE FROM category_stats",
        "DROP TABLE category_stats",
        "CREATE TABLE other (x)",
        "ATTACH 'out/other.db' AS other",
        "PRAGMA user_version = 7",
        "PRAGMA journal_mode = DELETE",
        "VACUUM INTO 'out/copy.db'",
        "SELECT 1; DELETE FROM category_stats",
    ])
    func refusesEveryWriteWithExitCode1(statement: String) throws {
        let before = try query("--format", "csv", "SELECT * FROM category_stats ORDER BY window_start, category")
        let result = try query(statement)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: queries are read-only"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let after = try query("--format", "csv", "SELECT * FROM category_stats ORDER BY window_start, category")
        #expect(after.stdout == before.stdout)
        #expect(try query("--format", "csv", "PRAGMA user_version").stdout == "user_version\n0\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path)
        #expect(files.filter { $0.hasPrefix("analytics.db") == false }.isEmpty, "\(files)")
    }

    @Test func cutsRowsAtTheLimitAndSaysSo() throws {
        let table = try query("--limit", "2", "SELECT * FROM category_stats")
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.last == "(2 rows; the query returned more, cut by the row limit)")
        let json = try query("--limit", "2", "--format", "json", "SELECT * FROM category_stats")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(json.stderr.contains("only the first 2 rows were printed"))
        let all = try query("--limit", "0", "--format", "csv", "SELECT * FROM category_stats")
        #expect(all.stdout.split(separator: "\n").count == 61)
    }

    @Test func interruptsAQueryThatRunsPastItsTimeout() throws {
        let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
        let result = try query("--timeout", "200ms", endless)
        #expect(result.status == 1)
        #expect(result.stderr.contains("the query was interrupted after its timeout of 0.2s"), "\(result.stderr)")
    }

    @Test func badSQLAndMissingDatabasesExitWith1AndSQLitesMessage() throws {
        let syntax = try query("SELEC 1")
        #expect(syntax.status == 1)
        #expect(syntax.stderr == "error: near \"SELEC\": syntax error\n")
        let table = try query("SELECT * FROM nowhere")
        #expect(table.status == 1)
        #expect(table.stderr == "error: no such table: nowhere\n")
        let missing = try RunnerProcess.run(["query", "--db", "out/missing.db", "SELECT 1"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: cannot open database 'out/missing.db': unable to open database file\n")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/missing.db").path))
    }

    @Test func badUsageExitsWith2() throws {
        for arguments in [["query", "SELECT 1"], ["query", "--db", database, "--timeout", "soon", "SELECT 1"]] {
            let result = try RunnerProcess.run(arguments, in: folder)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }
}
