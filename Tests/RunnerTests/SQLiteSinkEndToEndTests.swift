import Foundation
import SluiceStorage
import SluiceTesting
import Testing

/// The `sqlite` sink in the real binary: upserts across runs, and a database another process holds locked.
@Suite struct SQLiteSinkEndToEndTests {
    private let folder: URL

    init() throws {
        folder = try temporaryFolder()
    }

    private func count(_ sql: String, in database: String) throws -> [[String: Any]] {
        let result = try RunnerProcess.run(["query", "--db", database, "--format", "json", sql], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    @Test func runningTheExampleAgainReplacesItsRowsInsteadOfAddingMore() throws {
        try FileManager.default.copyItem(
            at: RunnerProcess.packageRoot.appendingPathComponent("pipelines"),
            to: folder.appendingPathComponent("pipelines"))
        var counts: [[[String: Any]]] = []
        for _ in 0..<2 {
            let run = try RunnerProcess.run(["apply", "pipelines/clickstream-to-sqlite.yaml"], in: folder)
            #expect(run.status == 0, "\(run.stderr)")
            counts.append(
                try count("SELECT count(*) AS n, sum(clicks) AS clicks FROM category_stats", in: "out/analytics.db"))
        }
        #expect(counts[0].first?["n"] as? Int == 60)
        #expect(counts[1].first?["n"] as? Int == 60)
        #expect(counts[1].first?["clicks"] as? Int == counts[0].first?["clicks"] as? Int)
    }

    @Test func waitsForAnotherWritersLockAndLosesNothing() throws {
        let database = folder.appendingPathComponent("locked.db").path
        let holder = try SQLiteConnection(path: database, mode: .readWriteCreate)
        try holder.execute(
            "PRAGMA journal_mode = WAL; CREATE TABLE other (x); BEGIN IMMEDIATE; INSERT INTO other VALUES (1)")
        let pipeline = folder.appendingPathComponent("store.yaml")
        try """
        sources:
          numbers:
            type: generate
            count: 5000
            fields:
              id: sequence()
              half: sequence() % 2
        sinks:
          store:
            type: sqlite
            inputs: [numbers]
            path: \(database)
            table: numbers
            key: [id]
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let running = try RunnerProcess(["apply", "--stats", pipeline.path], in: folder)
        #expect(eventually { running.stderrSoFar.contains("database is locked; retrying") }, "\(running.stderrSoFar)")
        try holder.execute("COMMIT")
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("write_retries"), "\(result.stderr)")
        let stored = try count(
            "SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(half) AS odd FROM numbers", in: database)
        #expect(stored.first?["n"] as? Int == 5000)
        #expect(stored.first?["ids"] as? Int == 5000)
        #expect(stored.first?["odd"] as? Int == 2500)
    }

    @Test func aFileThatIsNotADatabaseFailsTheSinkAndTheRunExitsWith3() throws {
        let notes = folder.appendingPathComponent("notes.db")
        let text = String(repeating: "not a database\n", count: 300)
        try text.write(to: notes, atomically: true, encoding: .utf8)
        let pipeline = folder.appendingPathComponent("store.yaml")
        try """
        sources:
          numbers: { type: generate, count: 100, fields: { id: sequence() } }
        sinks:
          store: { type: sqlite, inputs: [numbers], path: \(notes.path), table: numbers }
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["apply", pipeline.path], in: folder)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("stage 'store'"), "\(result.stderr)")
        #expect(result.stderr.contains("file is not a database"), "\(result.stderr)")
        #expect(try String(contentsOf: notes, encoding: .utf8) == text)
    }
}
