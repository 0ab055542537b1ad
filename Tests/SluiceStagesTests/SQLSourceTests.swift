import Foundation
import SluiceCore
import SluiceStorage
import SluiceTesting
import Testing

@testable import SluiceStages

/// The `sql` source on real SQLite files and the real PostgreSQL server `scripts/with-postgres.sh` starts.
@Suite struct SQLSourceTests {
    private let folder: TemporaryDirectory
    private let database: String
    private let statePath: String

    init() throws {
        folder = try TemporaryDirectory()
        database = folder.file("shop.db")
        statePath = folder.file("state/orders.json")
    }

    // MARK: Helpers

    private func config(_ yaml: String) throws -> SQLSourceConfig {
        let (config, diagnostics) = loadConfig(SQLSource.self, yaml: "type: sql\n" + yaml)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(config)
    }

    /// The options of a source that reads `orders` of the SQLite file incrementally on `id`.
    private var incremental: String {
        """
        path: '\(database)'
        query: SELECT id, customer, amount, note FROM orders WHERE id > $1 ORDER BY id
        interval: 20ms
        cursor: { column: id, start: 0 }
        state_path: '\(statePath)'
        """
    }

    private func sqlite(_ sql: String) throws {
        try SQLiteConnection(path: database, mode: .readWriteCreate).execute(sql)
    }

    private func insertOrders(_ ids: ClosedRange<Int>) throws {
        try sqlite(
            "INSERT INTO orders VALUES "
                + ids.map { "(\($0), 'c\($0 % 3)', \(Double($0) + 0.5), \($0 == 2 ? "NULL" : "'n'"))" }.joined(
                    separator: ", "))
    }

    /// Runs the source until it has sent `count` events (failing the test if it does not within a minute),
    /// then stops it and waits for it to return.
    private func read(
        _ config: SQLSourceConfig, until count: Int, whileRunning: (CollectingSourceOutput) throws -> Void = { _ in }
    ) throws -> CollectingSourceOutput {
        let output = CollectingSourceOutput(batchSize: 2)
        let running = RunningSource(try makeSource(config), output: output)
        try whileRunning(output)
        #expect(output.wait(timeout: 60) { $0.events.count >= count }, "\(output.events.count) events, \(output.notes)")
        output.stop()
        try #require(running.wait(timeout: 60)).get()
        return output
    }

    /// Runs the source until it fails, for at most a minute; the error it failed with, or `nil` (and a
    /// failed test) when it was still running.
    private func failure(of config: SQLSourceConfig) throws -> (any Error)? {
        let output = CollectingSourceOutput()
        let running = RunningSource(try makeSource(config), output: output)
        guard let result = running.wait(timeout: 60) else {
            output.stop()
            Issue.record("the source still ran after a minute")
            _ = running.wait(timeout: 60)
            return nil
        }
        guard case .failure(let error) = result else {
            Issue.record("the source returned without an error")
            return nil
        }
        return error
    }

    private func ids(_ events: [Event]) -> [Int64] {
        events.compactMap { if case .int(let id)? = $0["id"] { id } else { nil } }
    }

    // MARK: Reading

    @Test func readsRowsAsTypedEventsThenOnlyTheRowsAfterTheCursor() throws {
        try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
        try insertOrders(1...3)
        let output = try read(try config(incremental), until: 5) { output in
            #expect(output.wait(timeout: 60) { $0.events.count >= 3 })
            try insertOrders(4...5)
        }
        #expect(ids(output.events) == [1, 2, 3, 4, 5])
        #expect(output.events[1] == Event(["id": 2, "customer": "c2", "amount": 2.5, "note": nil]))
        // Batches of two: the cursor is saved after each one the pipeline accepted.
        #expect(folder.contents(of: statePath) == #"{"column":"id","value":5}"# + "\n")
        #expect(!FileManager.default.fileExists(atPath: statePath + ".tmp"))
    }

    @Test func aNewSourceStartsAfterTheSavedCursor() throws {
        try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
        try insertOrders(1...3)
        let first = try read(try config(incremental), until: 3)
        #expect(ids(first.events) == [1, 2, 3])
        try insertOrders(4...4)
        let second = try read(try config(incremental), until: 1)
        #expect(ids(second.events) == [4])
    }

    @Test func aStateFileOfAnotherCursorColumnStartsOver() throws {
        try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
        try insertOrders(1...3)
        try FileManager.default.createDirectory(atPath: folder.file("state"), withIntermediateDirectories: true)
        try folder.write(#"{"column":"created_at","value":2}"#, to: statePath)
        let output = try read(try config(incremental), until: 3)
        #expect(ids(output.events) == [1, 2, 3])
    }

    @Test func withoutACursorEveryRunReadsTheWholeResult() throws {
        try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
        try insertOrders(1...2)
        let output = try read(try config("path: '\(database)'\nquery: SELECT id FROM orders\ninterval: 10ms"), until: 6)
        #expect(ids(output.events).prefix(6) == [1, 2, 1, 2, 1, 2])
        #expect(!FileManager.default.fileExists(atPath: folder.file("state")))
    }

    // MARK: Failures

    @Test func aFailedRunIsCountedAndTheNextRunTriesAgain() throws {
        // No table yet: a sink of the same pipeline may create it later.
        try sqlite("CREATE TABLE other (x INTEGER)")
        let output = try read(try config(incremental), until: 3) { output in
            #expect(output.wait(timeout: 60) { ($0.counters["query_errors"] ?? 0) >= 2 })
            try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
            try insertOrders(1...3)
        }
        #expect(ids(output.events) == [1, 2, 3])
        #expect(output.notes.first?.message.contains("no such table: orders") == true, "\(output.notes)")
    }

    @Test(arguments: [
        ("DELETE FROM orders", "the query writes, and may only read"),
        (
            "SELECT customer FROM orders WHERE id > $1",
            "the query returns no column 'id' (cursor.column); its columns: customer"
        ),
    ])
    func failsTheStageWhenTheQueryCannotEverWork(query: String, message: String) throws {
        try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
        try insertOrders(1...3)
        let error = try failure(
            of: try config("path: '\(database)'\nquery: \(query)\ncursor: { column: id }\nstate_path: '\(statePath)'"))
        #expect((error as? StageFailure)?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test func aCorruptStateFileFailsTheStageSayingHowToStartOver() throws {
        try sqlite("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, note TEXT)")
        try FileManager.default.createDirectory(atPath: folder.file("state"), withIntermediateDirectories: true)
        try folder.write(#"{"column":"id","val"#, to: statePath)
        let error = try failure(of: try config(incremental))
        #expect(error is StageFailure)
        #expect("\(String(describing: error))".contains("delete it to read from cursor.start again"))
    }

    // MARK: PostgreSQL

    @Test func readsPostgreSQLIncrementallyOnATimestampCursor() throws {
        let url = try TestPostgres.requireURL()
        let table = TestPostgres.uniqueName("events")
        let connection = try PostgresConnection(url: url)
        try connection.execute("CREATE TABLE \(table) (ts timestamptz, kind text, size bigint, detail jsonb)")
        func insert(_ seconds: ClosedRange<Int>) throws {
            try connection.execute(
                "INSERT INTO \(table) VALUES "
                    + seconds.map { "('2026-01-01T00:00:0\($0).25Z', 'k\($0)', \($0), '{\"n\": \($0)}')" }.joined(
                        separator: ", "))
        }
        try insert(1...3)
        let source = try config(
            """
            url: '\(url)'
            query: SELECT ts, kind, size, detail FROM \(table) WHERE ts > $1 ORDER BY ts
            interval: 20ms
            cursor: { column: ts, start: "1970-01-01T00:00:00Z" }
            state_path: '\(statePath)'
            """)
        let output = try read(source, until: 5) { output in
            #expect(output.wait(timeout: 60) { $0.events.count >= 3 })
            try insert(4...5)
        }
        #expect(output.events.map { $0["size"] } == [1, 2, 3, 4, 5])
        #expect(
            output.events.first
                == Event([
                    "ts": "2026-01-01T00:00:01.25Z", "kind": "k1", "size": 1, "detail": .object(Event(["n": 1])),
                ]))
        #expect(folder.contents(of: statePath) == #"{"column":"ts","value":"2026-01-01T00:00:05.25Z"}"# + "\n")
    }

    // MARK: Options

    @Test func reportsOptionProblemsWithTheirPositions() {
        let cases: [(String, String)] = [
            ("query: SELECT 1", "test.yaml:1:1: error: stage 'id': give 'path' (SQLite) or 'url' (PostgreSQL)"),
            (
                "path: a.db\nurl: postgres://h/db\nquery: SELECT 1",
                "test.yaml:3:6: error: stage 'id': give 'path' or 'url', not both"
            ),
            (
                "path: a.db\nquery: SELECT 1\nstate_path: s.json",
                "test.yaml:4:13: error: stage 'id': option 'state_path' keeps a cursor: it needs 'cursor'"
            ),
            (
                "path: a.db\nquery: SELECT 1\ncursor: { start: 0 }",
                "test.yaml:4:9: error: stage 'id': missing required option 'column'"
            ),
        ]
        for (yaml, expected) in cases {
            let (config, diagnostics) = loadConfig(SQLSource.self, yaml: "type: sql\n" + yaml)
            #expect(config == nil)
            #expect(diagnostics.lines.first?.hasPrefix(expected) == true, "\(diagnostics.lines)")
        }
    }
}
