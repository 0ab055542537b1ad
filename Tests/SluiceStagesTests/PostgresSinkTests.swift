import Foundation
import SluiceCore
import SluiceStorage
import SluiceTesting
import Testing

@testable import SluiceStages

/// The `postgres` sink against the real server `scripts/with-postgres.sh` starts (each test fails, saying
/// how to start one, without it).
@Suite struct PostgresSinkTests {
    private let table = TestPostgres.uniqueName("sink")

    // MARK: Helpers

    private func config(_ options: String, url: String? = nil) throws -> PostgresSinkConfig {
        let yaml = "type: postgres\nurl: '\(try url ?? TestPostgres.requireURL())'\n" + options
        let (config, diagnostics) = loadConfig(PostgresSink.self, yaml: yaml)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(config)
    }

    @discardableResult
    private func write(_ options: String, _ batches: [[Event]]) throws -> ProcessorRun {
        try ProcessorHarness(try config(options)).run(batches.map { EventBatch(events: $0) })
    }

    /// The rows of `sql` as PostgreSQL prints them (`nil` for NULL).
    private func query(_ sql: String, url: String? = nil) throws -> [[String?]] {
        let result = try PostgresConnection(url: try url ?? TestPostgres.requireURL()).execute(sql)
        return (0..<result.rowCount).map { row in (0..<result.columnCount).map { result.text(row: row, column: $0) } }
    }

    private var quotedTable: String { "\"\(table)\"" }

    // MARK: Schema

    @Test func createsTheTableFromTheFirstRowsWithTheDocumentedTypes() throws {
        let event = Event([
            "id": 1, "price": 2.5, "name": "tab\tand\nnewline \\ ünï", "ok": true, "tags": .array(["a", 1]),
            "user": .object(Event(["id": 7])), "nothing": nil,
        ])
        try write("table: \(table)", [[event]])
        let columns = try query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '\(table)' "
                + "ORDER BY ordinal_position")
        #expect(
            columns == [
                ["id", "bigint"], ["price", "double precision"], ["name", "text"], ["ok", "boolean"],
                ["tags", "jsonb"], ["user", "jsonb"],
            ])
        #expect(
            try query("SELECT id, price, name, ok, tags, \"user\" ->> 'id' FROM \(quotedTable)") == [
                ["1", "2.5", "tab\tand\nnewline \\ ünï", "t", #"["a", 1]"#, "7"]
            ])
    }

    @Test func newFieldsAddColumnsAndEarlierRowsReadNull() throws {
        try write("table: \(table)", [[Event(["id": 1])], [Event(["id": 2, "site": "a"])]])
        #expect(try query("SELECT id, site FROM \(quotedTable) ORDER BY id") == [["1", nil], ["2", "a"]])
    }

    // MARK: Upserts

    @Test func aReEmittedWindowReplacesItsRowAndTheLastRowOfABatchWins() throws {
        let options = "table: \(table)\nkey: [window_start, category]"
        func window(_ start: Int64, _ category: String, _ count: Int64) -> Event {
            Event(["window_start": .int(start), "category": .string(category), "count": .int(count)])
        }
        try write(options, [[window(0, "books", 1), window(0, "games", 2), window(0, "books", 3)]])
        try write(options, [[window(0, "games", 20), window(10, "games", 4)]])
        #expect(
            try query("SELECT window_start, category, count FROM \(quotedTable) ORDER BY 1, 2") == [
                ["0", "books", "3"], ["0", "games", "20"], ["10", "games", "4"],
            ])
        let run = try write(options, [[Event(["category": "books", "count": 1])]])
        #expect(run.drops == ["missing_key": 1])
    }

    // MARK: Bad input

    @Test func hostileFieldAndTableNamesAreQuotedNeverRun() throws {
        let hostile = #"a"; DROP TABLE x; --"#
        let hostileTable = table + #"" (x int); --"#
        try write(
            "table: '\(hostileTable.replacing("'", with: "''"))'\nkey: [id]",
            [[Event(["id": 1, .init(hostile): "v", "Site": "upper", "site": "lower"])]])
        let quoted = "\"" + hostileTable.replacing("\"", with: "\"\"") + "\""
        #expect(
            try query("SELECT id, \"a\"\"; DROP TABLE x; --\", \"Site\", site FROM \(quoted)") == [
                ["1", "v", "upper", "lower"]
            ])
        // PostgreSQL would cut a name of more than 63 bytes, so such a field cannot be a column.
        let run = try write(
            "table: \(table)", [[Event([.init(String(repeating: "x", count: 64)): 1]), Event(["id": 2])]])
        #expect(run.drops == ["invalid_column": 1])
        #expect(try query("SELECT id FROM \(quotedTable)") == [["2"]])
    }

    @Test func wrongTypedValuesAndRowsThePostgreSQLRefusesAreCountedAndTheGoodRowsStored() throws {
        _ = try query(
            "CREATE TABLE \(quotedTable) (id bigint, small integer, day date, note text CHECK (note <> 'bad'))")
        var events = (0..<1_000).map { Event(["id": .int(Int64($0)), "small": 1, "day": "2026-01-01", "note": "ok"]) }
        events[10]["small"] = "not a number"  // wrong_type: caught before any SQL
        events[20]["small"] = .int(5_000_000_000)  // beyond integer: PostgreSQL refuses it
        events[30]["day"] = "not a date"  // a column of another type: PostgreSQL parses, and refuses
        events[40]["note"] = "bad"  // the CHECK constraint
        events[50]["note"] = .int(5)  // wrong_type
        let run = try write("table: \(table)", [events])
        #expect(run.drops == ["wrong_type": 2, "rejected_by_database": 3])
        let stored = try query("SELECT count(*), min(id), max(id) FROM \(quotedTable)")
        #expect(stored == [["995", "0", "999"]])
        #expect(try query("SELECT count(*) FROM \(quotedTable) WHERE id IN (10, 20, 30, 40, 50)") == [["0"]])
    }

    @Test func explicitColumnsThatContradictTheExistingTableFailTheStage() throws {
        _ = try query("CREATE TABLE \(quotedTable) (id text)")
        #expect(throws: StageFailure.self) {
            try write("table: \(table)\ncolumns: { id: integer }", [[Event(["id": 1])]])
        }
    }

    // MARK: The server

    @Test func aDatabaseThatDoesNotExistFailsTheStageInsteadOfWaiting() throws {
        let url = try TestPostgres.requireURL()
        let missing = String(url[..<url.lastIndex(of: "/")!]) + "/no_such_database"
        #expect {
            try ProcessorHarness(try config("table: t", url: missing)).run([Event(["id": 1])])
        } throws: { error in
            "\(error)".contains("no_such_database") && error is StageFailure
        }
    }

    /// The server stops between two parts of a stream and starts again while the second part waits: the
    /// sink blocks (backpressure), retries the batch, reconnects, and loses nothing. With a key every event
    /// is in the table exactly once; without one, at least once (a batch whose COMMIT reached the server
    /// but whose answer was lost is written again), which the distinct ids check.
    @Test(.timeLimit(.minutes(3)), arguments: [true, false])
    func aServerRestartMidStreamLosesNothing(upserting: Bool) throws {
        let server = try TestPostgres.Server()
        let key = upserting ? "\nkey: [id]" : ""
        let harness = try ProcessorHarness(try config("table: \(table)\(key)\nmax_events: 200", url: server.url))
        let count = 10_000
        let batches = stride(from: 0, to: count, by: 100).map { start in
            EventBatch(events: (start..<start + 100).map { Event(["id": .int(Int64($0)), "v": "x"]) })
        }
        try harness.run(Array(batches[..<(batches.count / 2)]), finishing: false)
        try server.stop()
        let call = BackgroundCall { try harness.run(Array(batches[(batches.count / 2)...])) }
        // Nothing can be written while the server is away: the call must still be waiting after a while.
        Thread.sleep(forTimeInterval: 1)
        #expect(
            !call.hasReturned,
            "the sink returned while the server was stopped: \(String(describing: call.wait(seconds: 0)))")
        try server.start()
        let run = try #require(try call.wait()?.get())
        #expect(run.drops.isEmpty)
        #expect((run.counters["write_retries"] ?? 0) > 0)
        #expect((run.counters["reconnects"] ?? 0) >= 1)
        let stored = try query(
            "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM \(quotedTable)", url: server.url)
        let rows = try #require(stored.first.map { $0.map { Int($0 ?? "") ?? -1 } })
        #expect(rows[1...] == [count, 0, count - 1])
        if upserting { #expect(rows[0] == count) } else { #expect(rows[0] >= count) }
    }

    // MARK: Options

    @Test func reportsOptionProblemsWithTheirPositions() {
        let (config, diagnostics) = loadConfig(
            PostgresSink.self,
            yaml: """
                type: postgres
                table: \(String(repeating: "t", count: 64))
                key: [id, ID]
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:1: error: stage 'id': missing required option 'url' [missing-field]",
                "test.yaml:2:8: error: stage 'id': option 'table': '\(String(repeating: "t", count: 64))': PostgreSQL names hold at most 63 bytes [invalid-value]",
            ])
    }
}
