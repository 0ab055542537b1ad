import Foundation
import SluiceCore
import SluiceStorage
import SluiceTesting
import Synchronization
import Testing

@testable import SluiceStages

/// The `sqlite` sink on real database files in a temporary folder, read back through a second connection.
@Suite struct SQLiteSinkTests {
    private let directory: TemporaryDirectory
    private let database: String

    init() throws {
        directory = try TemporaryDirectory()
        database = directory.file("analytics.db")
    }

    // MARK: Helpers

    /// The sink configured by `options` (YAML lines after `type: sqlite`), writing to `database`.
    private func config(_ options: String, path: String? = nil) throws -> SQLiteSinkConfig {
        let yaml = "type: sqlite\npath: '\(path ?? database)'\n" + options
        let (config, diagnostics) = loadConfig(SQLiteSink.self, yaml: yaml)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(config)
    }

    /// Runs `batches` through a sink configured by `options`, then finishes it.
    @discardableResult
    private func write(_ options: String, _ batches: [[Event]]) throws -> ProcessorRun {
        try ProcessorHarness(try config(options)).run(batches.map { EventBatch(events: $0) })
    }

    /// The rows of `sql` run against the test database.
    private func query(_ sql: String) throws -> [[Value]] {
        try SQLiteReadOnlyQuery.run(path: database, sql: sql, limit: nil, timeoutSeconds: nil).rows
    }

    /// `(name, declared type)` of each column of `table`.
    private func columns(of table: String) throws -> [[Value]] {
        try query("SELECT name, type FROM pragma_table_info('\(table.replacing("'", with: "''"))')")
    }

    private func window(_ start: Int64, _ category: String, count: Int64, total: Double) -> Event {
        Event([
            "window_start": .int(start), "category": .string(category), "count": .int(count), "total": .double(total),
        ])
    }

    // MARK: Schema

    @Test func createsTheTableFromTheFirstRowsWithTheDocumentedTypes() throws {
        let event = Event([
            "id": 1, "price": 2.5, "name": "ünïcode", "ok": true, "tags": .array(["a", 1]),
            "user": .object(Event(["id": 7])), "nothing": nil,
        ])
        try write("table: things", [[event]])
        #expect(
            try columns(of: "things") == [
                ["id", "INTEGER"], ["price", "REAL"], ["name", "TEXT"], ["ok", "BOOLEAN"], ["tags", "JSON TEXT"],
                ["user", "JSON TEXT"],
            ])
        #expect(
            try query("SELECT id, price, name, ok, tags, user FROM things")
                == [[1, 2.5, "ünïcode", 1, #"["a",1]"#, #"{"id":7}"#]])
        #expect(
            try query("SELECT typeof(id), typeof(price), typeof(tags) FROM things") == [["integer", "real", "text"]])
    }

    @Test func anIntegerFieldWithFractionsLaterInTheBatchGetsARealColumn() throws {
        try write("table: t", [[Event(["total": 3]), Event(["total": 2.5])]])
        #expect(try columns(of: "t") == [["total", "REAL"]])
        #expect(try query("SELECT total FROM t") == [[3.0], [2.5]])
    }

    @Test func newFieldsAddColumnsAndEarlierRowsReadNull() throws {
        try write("table: t", [[Event(["a": 1])], [Event(["a": 2, "b": "x"])], [Event(["c": 0.5, "a": 3])]])
        #expect(try columns(of: "t") == [["a", "INTEGER"], ["b", "TEXT"], ["c", "REAL"]])
        #expect(try query("SELECT a, b, c FROM t ORDER BY a") == [[1, nil, nil], [2, "x", nil], [3, nil, 0.5]])
    }

    @Test func aFieldThatIsNullAtFirstGetsItsColumnWithItsFirstValue() throws {
        try write("table: t", [[Event(["a": 1, "b": nil]), Event(["a": 2, "b": "now"])]])
        #expect(try columns(of: "t") == [["a", "INTEGER"], ["b", "TEXT"]])
        #expect(try query("SELECT a, b FROM t ORDER BY a") == [[1, nil], [2, "now"]])
    }

    @Test func newColumnsAreAddedToATableLeftByAnEarlierRun() throws {
        try write("table: t", [[Event(["a": 1])]])
        try write("table: t", [[Event(["a": 2, "b": true])]])
        #expect(try query("SELECT a, b FROM t ORDER BY a") == [[1, nil], [2, 1]])
    }

    @Test func explicitColumnsFixTheSchemaAndOtherFieldsAreNotStored() throws {
        let options = "table: t\ncolumns: { id: integer, score: real, label: text, payload: json }"
        try write(options, [[Event(["id": 1, "score": 2, "label": "a", "payload": 5, "extra": "dropped"])]])
        #expect(
            try columns(of: "t") == [
                ["id", "INTEGER"], ["score", "REAL"], ["label", "TEXT"], ["payload", "JSON TEXT"],
            ])
        // An int in a real column is stored as a real; a JSON number keeps its text in a json column.
        #expect(
            try query("SELECT id, score, typeof(score), label, payload, typeof(payload) FROM t")
                == [[1, 2.0, "real", "a", "5", "text"]])
    }

    @Test func explicitColumnsThatContradictTheExistingTableFailTheStage() throws {
        try write("table: t", [[Event(["id": "text id"])]])
        #expect(throws: StageFailure.self) {
            try write("table: t\ncolumns: { id: integer }", [[Event(["id": 1])]])
        }
    }

    // MARK: Upserts

    @Test func aReEmittedWindowReplacesItsRowInsteadOfAddingOne() throws {
        let options = "table: stats\nkey: [window_start, category]"
        try write(options, [[window(0, "books", count: 3, total: 30), window(0, "games", count: 1, total: 5)]])
        // The same window again (on_late: emit_update, or a replay), in a later batch and in the same batch.
        try write(
            options,
            [
                [window(0, "books", count: 4, total: 42)],
                [
                    window(10_000, "books", count: 1, total: 1), window(0, "games", count: 2, total: 7),
                    window(0, "games", count: 9, total: 9),
                ],
            ])
        #expect(
            try query("SELECT window_start, category, count, total FROM stats ORDER BY window_start, category")
                == [[0, "books", 4, 42.0], [0, "games", 9, 9.0], [10_000, "books", 1, 1.0]])
    }

    @Test func anUpsertOfSomeColumnsKeepsTheOthers() throws {
        let options = "table: t\nkey: [id]"
        try write(options, [[Event(["id": 1, "a": "first", "b": "kept"])]])
        try write(options, [[Event(["id": 1, "a": "second"])], [Event(["id": 1])]])
        #expect(try query("SELECT id, a, b FROM t") == [[1, "second", "kept"]])
    }

    @Test func rowsWithoutTheirKeyAreDroppedAndTheOthersStored() throws {
        let run = try write(
            "table: t\nkey: [id]",
            [
                [
                    Event(["name": "no id"]), Event(["id": 1, "name": "one"]), Event(["id": nil, "name": "null id"]),
                    Event(["id": 2]),
                ]
            ])
        #expect(run.drops == [RowRejection.Reason.missingKey.dropReason: 2])
        #expect(try query("SELECT id, name FROM t ORDER BY id") == [[1, "one"], [2, nil]])
    }

    // MARK: Hostile and bad input

    @Test func hostileFieldAndTableNamesAreQuotedNeverRun() throws {
        try write("table: victim", [[Event(["id": 1])]])
        let table = #"x"; DROP TABLE victim; --"#
        let names = [
            #"a"; DROP TABLE victim; --"#, "'); DELETE FROM victim; --", "select", "from", "a b", "\"", "ünï", "[x]",
        ]
        var event = Event()
        for (index, name) in names.enumerated() { event[name] = .int(Int64(index)) }
        let yamlTable = table.replacing("'", with: "''")
        let run = try write(
            "table: '\(yamlTable)'\nkey: ['\(names[0].replacing("'", with: "''"))']", [[event], [event]])
        #expect(run.drops.isEmpty)
        #expect(try columns(of: table).map { $0[0] } == names.map(Value.string))
        let quotedTable = "\"" + table.replacing("\"", with: "\"\"") + "\""
        #expect(try query("SELECT * FROM \(quotedTable)") == [names.indices.map { .int(Int64($0)) }])
        #expect(try query("SELECT id FROM victim") == [[1]])
    }

    @Test func fieldNamesThatCannotBeColumnsDropTheirRows() throws {
        let run = try write(
            "table: t",
            [[Event(["id": 1]), Event(["id": 2, "": "empty name"]), Event(["id": 3, "ID": 4]), Event(["id": 5])]])
        #expect(run.drops == [RowRejection.Reason.invalidColumn.dropReason: 2])
        #expect(try query("SELECT id FROM t ORDER BY id") == [[1], [5]])
    }

    @Test func wrongTypedValuesAreCountedAndTheGoodRowsStored() throws {
        let options = "table: t\ncolumns: { n: integer, s: text, b: boolean, j: json }"
        let run = try write(
            options,
            [
                [
                    Event(["n": 1, "s": "a", "b": true, "j": .array([1])]),
                    Event(["n": "two"]),  // string in an integer column
                    Event(["n": 2.5]),  // a fraction in an integer column
                    Event(["n": 3.0, "s": "whole"]),  // a whole float is an integer
                    Event(["s": 5]),  // int in a text column
                    Event(["b": 1]),  // int in a boolean column
                    Event(["n": 4, "j": "text is JSON too"]),
                ]
            ])
        #expect(run.drops == [RowRejection.Reason.wrongType.dropReason: 4])
        #expect(
            try query("SELECT n, s, b, j FROM t ORDER BY n")
                == [[1, "a", 1, "[1]"], [3, "whole", nil, nil], [4, nil, nil, #""text is JSON too""#]])
    }

    @Test func aValueOfAnotherTypeThanTheInferredColumnIsCounted() throws {
        let run = try write("table: t", [[Event(["v": 1])], [Event(["v": "one"]), Event(["v": 2])]])
        #expect(run.drops == [RowRejection.Reason.wrongType.dropReason: 1])
        #expect(try query("SELECT v FROM t ORDER BY v") == [[1], [2]])
    }

    @Test func constraintsOfAnExistingTableRejectTheirRowsOnly() throws {
        let setup = try SQLiteConnection(path: database, mode: .readWriteCreate)
        try setup.execute("CREATE TABLE t (id INTEGER NOT NULL, v TEXT CHECK (v != 'bad'))")
        let run = try write(
            "table: t", [[Event(["id": 1, "v": "ok"]), Event(["v": "no id"]), Event(["id": 3, "v": "bad"])]])
        #expect(run.drops == [RowRejection.Reason.rejectedByDatabase.dropReason: 2])
        #expect(try query("SELECT id, v FROM t") == [[1, "ok"]])
    }

    @Test func aKeyThatExistingRowsRepeatFailsTheStage() throws {
        try write("table: t", [[Event(["id": 1]), Event(["id": 1])]])
        #expect(throws: StageFailure.self) { try write("table: t\nkey: [id]", [[Event(["id": 2])]]) }
        #expect(try query("SELECT id FROM t") == [[1], [1]])
    }

    /// Rows go to SQLite 16 to a statement; a bad row among them must cost only itself, and a key repeated
    /// inside one statement must update, in order.
    @Test func aLargeBatchStoresExactlyItsGoodRowsWithTheLastValuePerKey() throws {
        let setup = try SQLiteConnection(path: database, mode: .readWriteCreate)
        try setup.execute("CREATE TABLE t (id INTEGER, v INTEGER CHECK (v != 13), note TEXT)")
        var events: [Event] = []
        var expected: [Int64: Int64] = [:]
        var rejected = 0
        for row in 0..<1_000 {
            let id = Int64(row % 300)
            let value = Int64(row)
            if row % 37 == 0 {
                events.append(Event(["id": .int(id), "v": "not a number"]))
                rejected += 1
            } else if row == 13 {
                events.append(Event(["id": .int(id), "v": .int(value)]))  // breaks the CHECK constraint
                rejected += 1
            } else {
                events.append(Event(["id": .int(id), "v": .int(value)]))
                expected[id] = value
            }
        }
        let run = try write("table: t\nkey: [id]", [events])
        #expect(
            run.drops == [
                RowRejection.Reason.wrongType.dropReason: rejected - 1,
                RowRejection.Reason.rejectedByDatabase.dropReason: 1,
            ])
        let stored = try query("SELECT id, v FROM t ORDER BY id")
        #expect(stored == expected.sorted { $0.key < $1.key }.map { [.int($0.key), .int($0.value)] })
    }

    @Test func aRowWithMoreFieldsThanSQLiteHasColumnsIsDroppedAlone() throws {
        var wide = Event()
        for column in 0..<2_001 { wide["c\(column)"] = .int(Int64(column)) }
        let run = try write("table: t", [[wide, Event(["c0": 1])], [Event(["c0": 2]), wide]])
        #expect(run.drops == [RowRejection.Reason.rejectedByDatabase.dropReason: 2])
        #expect(try query("SELECT c0 FROM t ORDER BY c0") == [[1], [2]])
        #expect(try columns(of: "t").count == 1)
    }

    // MARK: Batching

    @Test func writesWhenMaxEventsAreWaitingOnEachTickAndAtFinish() throws {
        let harness = try ProcessorHarness(try config("table: t\nmax_events: 2\ntimeout: 250ms"))
        #expect(harness.processor.tickInterval == ConfigDuration(milliseconds: 250))
        func stored() throws -> Value {
            try query("SELECT count(*) FROM t")[0][0]
        }
        _ = try harness.run([EventBatch(events: [Event(["id": 1])])], finishing: false)
        #expect(!FileManager.default.fileExists(atPath: database))
        _ = try harness.run(
            [EventBatch(events: [Event(["id": 2])]), EventBatch(events: [Event(["id": 3])])], finishing: false)
        #expect(try stored() == 2)
        var output = ProcessorOutput(portCount: 1, log: harness.log)
        try harness.processor.tick(nowMilliseconds: 0, output: &output)
        #expect(try stored() == 3)
        _ = try harness.run([EventBatch(events: [Event(["id": 4])])])
        #expect(try stored() == 4)
    }

    // MARK: Failures

    @Test func aLockedDatabaseIsRetriedUntilTheShutdownLimitThenTheStageFails() throws {
        let holder = try SQLiteConnection(path: database, mode: .readWriteCreate)
        try holder.execute(
            "PRAGMA journal_mode = WAL; CREATE TABLE other (x); BEGIN IMMEDIATE; INSERT INTO other VALUES (1)")
        let shutdown = ShutdownSignal()
        let log = StageLog(pipeline: "test", stage: "store")
        let processor = try config("table: t").makeProcessor(
            context: StageContext(pipeline: "test", stage: "store", log: log, shutdown: shutdown))
        let harness = ProcessorHarness(processor: processor, log: log)
        let events = (0..<100).map { Event(["id": .int(Int64($0))]) }
        let call = BackgroundCall {
            try harness.run([EventBatch(events: Array(events[..<40])), EventBatch(events: Array(events[40...]))])
        }
        // The lock is never released: only the shutdown limit can end the retries.
        shutdown.abandon()
        let failure = try #require(call.wait())
        #expect(throws: StageFailure.self) { try failure.get() }
        if case .failure(let error) = failure {
            #expect("\(error)".contains("database is locked"), "\(error)")
        }
        try holder.execute("ROLLBACK")
    }

    @Test func aLockedDatabaseLosesNothingOnceTheLockIsReleased() throws {
        let holder = try SQLiteConnection(path: database, mode: .readWriteCreate)
        try holder.execute(
            "PRAGMA journal_mode = WAL; CREATE TABLE other (x); BEGIN IMMEDIATE; INSERT INTO other VALUES (1)")
        let harness = try ProcessorHarness(try config("table: t\nkey: [id]"))
        let events = (0..<1_000).map { Event(["id": .int(Int64($0)), "v": "x"]) }
        let call = BackgroundCall { try harness.run([EventBatch(events: events)]) }
        // However long the writer has waited by now, it cannot have returned while the lock is held.
        usleep(300_000)
        #expect(!call.hasReturned)
        try holder.execute("COMMIT")
        let run = try #require(try call.wait()?.get())
        #expect(run.drops.isEmpty)
        #expect(try query("SELECT count(*), count(DISTINCT id) FROM t") == [[1_000, 1_000]])
    }

    @Test func aPathThatCannotBeADatabaseFailsTheStage() throws {
        let file = try directory.write("plain.txt", "not a folder\n")
        #expect(throws: StageFailure.self) {
            try ProcessorHarness(try config("table: t", path: file + "/sub/x.db")).run([Event(["id": 1])])
        }
        let notADatabase = try directory.write("notes.db", String(repeating: "not a database\n", count: 200))
        let harness = try ProcessorHarness(try config("table: t\nmax_events: 1", path: notADatabase))
        var output = ProcessorOutput(portCount: 1, log: harness.log)
        try harness.processor.process(EventBatch(events: []), output: &output)
        #expect(throws: StageFailure.self) {
            try harness.processor.process(EventBatch(events: [Event(["id": 1])]), output: &output)
        }
        #expect(directory.contents(of: notADatabase)?.hasPrefix("not a database") == true)
    }

    @Test func rowsBufferedFromEarlierBatchesAreCountedWhenTheStageFails() throws {
        let notADatabase = try directory.write("notes.db", String(repeating: "not a database\n", count: 200))
        let harness = try ProcessorHarness(try config("table: t\nmax_events: 5", path: notADatabase))
        var output = ProcessorOutput(portCount: 1, log: harness.log)
        try harness.processor.process(EventBatch(events: [Event(["id": 1]), Event(["id": 2])]), output: &output)
        #expect(throws: StageFailure.self) {
            try harness.processor.process(EventBatch(events: (3...5).map { Event(["id": .int($0)]) }), output: &output)
        }
        // The engine counts the three of the batch in hand; the sink counts the two it held.
        #expect(output.takeDrops() == ["stage_failed": 2])
    }

    // MARK: Acknowledgements

    @Test func rowsAreAcknowledgedOnlyWhenTheirTransactionCommits() throws {
        let recorder = AcknowledgementRecorder()
        let harness = try ProcessorHarness(try config("table: t\nmax_events: 3"))
        try harness.run([recorder.batch([Event(["id": 1]), Event(["id": 2])], number: 0)], finishing: false)
        #expect(recorder.all.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: database))
        // The third row reaches max_events: one transaction writes both batches.
        try harness.run([recorder.batch([Event(["id": 3])], number: 1)], finishing: false)
        #expect(recorder.all == [0: .delivered, 1: .delivered])
        #expect(try query("SELECT count(*) FROM t") == [[3]])
        try harness.run([recorder.batch([Event(["id": 4])], number: 2)], finishing: false)
        #expect(recorder.outcome(2) == nil)
        try harness.run([])
        #expect(recorder.outcome(2) == .delivered)
    }

    @Test func rowsHeldWhenTheStageFailsForGoodAreAcknowledgedAsFailed() throws {
        let recorder = AcknowledgementRecorder()
        let notADatabase = try directory.write("notes.db", String(repeating: "not a database\n", count: 200))
        let harness = try ProcessorHarness(try config("table: t\nmax_events: 5", path: notADatabase))
        try harness.run([recorder.batch([Event(["id": 1]), Event(["id": 2])], number: 0)], finishing: false)
        #expect(throws: StageFailure.self) {
            try harness.run([recorder.batch((3...5).map { Event(["id": .int($0)]) }, number: 1)], finishing: false)
        }
        for number in [0, 1] {
            guard case .failed(let failure)? = recorder.outcome(number) else {
                Issue.record("batch \(number) settled as \(String(describing: recorder.outcome(number)))")
                continue
            }
            #expect(failure.reason == .stageFailed)
        }
    }

    // MARK: Options

    @Test func reportsEveryOptionProblemWithItsPosition() {
        let (config, diagnostics) = loadConfig(
            SQLiteSink.self,
            yaml: """
                type: sqlite
                table: sqlite_stats
                key: [id, ID, missing]
                columns: { id: integr, name: text }
                max_events: 0
                timeout: soon
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:1: error: stage 'id': missing required option 'path' [missing-field]",
                "test.yaml:2:8: error: stage 'id': option 'table': 'sqlite_stats': table names starting with 'sqlite_' are reserved by SQLite [invalid-value]",
                "test.yaml:3:6: error: stage 'id': key field 'ID' is listed twice [invalid-value]",
                "test.yaml:3:6: error: stage 'id': key field 'missing' is not one of 'columns' [invalid-value]",
                "test.yaml:4:16: error: stage 'id': column 'id': unknown type 'integr'; use one of integer, real, text, boolean, json; did you mean 'integer'? [invalid-value]",
                "test.yaml:5:13: error: stage 'id': option 'max_events' must be at least 1, found 0 [invalid-value]",
                "test.yaml:6:10: error: stage 'id': option 'timeout': invalid duration 'soon' (use e.g. 500ms, 10s, 5m, 1h) [invalid-value]",
            ])
    }

    @Test func keyFieldsMustBeDeclaredColumns() {
        let (config, diagnostics) = loadConfig(
            SQLiteSink.self, yaml: "type: sqlite\npath: x.db\ntable: t\nkey: [day]\ncolumns: { id: integer }")
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:4:6: error: stage 'id': key field 'day' is not one of 'columns' [invalid-value]"
            ])
    }
}
