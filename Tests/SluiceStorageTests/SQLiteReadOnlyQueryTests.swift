import Foundation
import SluiceCore
import Testing

@testable import SluiceStorage

/// Read-only queries in process; Tests/RunnerTests/QueryCommandTests.swift runs them through `runner query`.
@Suite struct SQLiteReadOnlyQueryTests {
    private let path: String

    init() throws {
        path = NSTemporaryDirectory() + "sluice-storage-tests-\(UUID().uuidString).db"
        let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.execute(
            "CREATE TABLE t (n INTEGER, s TEXT, r REAL, b BLOB); "
                + "INSERT INTO t VALUES (1, 'one', 1.5, x'00ff'), (2, NULL, NULL, NULL), (3, 'three', 3.0, NULL)")
    }

    private func run(_ sql: String, limit: Int? = nil) throws(QueryError) -> QueryResult {
        try SQLiteReadOnlyQuery.run(path: path, sql: sql, limit: limit, timeoutSeconds: 30)
    }

    @Test func returnsTypedValuesAndColumnNames() throws {
        let result = try run("SELECT n, s, r, b, n * 2 AS twice FROM t ORDER BY n")
        #expect(result.columns == ["n", "s", "r", "b", "twice"])
        #expect(result.rows == [[1, "one", 1.5, "00ff", 2], [2, nil, nil, nil, 4], [3, "three", 3.0, nil, 6]])
        #expect(!result.isTruncated)
    }

    @Test func cutsAtTheLimitAndSaysSo() throws {
        #expect(
            try run("SELECT n FROM t ORDER BY n", limit: 2)
                == QueryResult(columns: ["n"], rows: [[1], [2]], isTruncated: true))
        #expect(try run("SELECT n FROM t ORDER BY n", limit: 3).isTruncated == false)
    }

    @Test func allowsTableValuedFunctionsAndSchemaPragmas() throws {
        #expect(try run("SELECT value FROM json_each('[5,6]')").rows == [[5], [6]])
        #expect(try run("PRAGMA table_info(t)").rows.count == 4)
        #expect(try run("SELECT name FROM pragma_table_info('t') WHERE pk = 0").rows.count == 4)
    }

    @Test func refusesMoreThanOneStatement() {
        #expect(throws: QueryError.invalid(reason: "only one statement may be given")) {
            try run("SELECT 1; SELECT 2")
        }
        #expect(throws: Never.self) { try run("SELECT 1; -- a comment\n") }
    }

    @Test func aMissingFileCannotBeOpenedAndIsNotCreated() {
        let missing = path + ".missing"
        #expect(throws: QueryError.cannotOpen(database: missing, reason: "unable to open database file")) {
            try SQLiteReadOnlyQuery.run(path: missing, sql: "SELECT 1", limit: nil, timeoutSeconds: nil)
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
