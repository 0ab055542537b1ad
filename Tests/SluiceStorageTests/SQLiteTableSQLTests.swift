import Testing

@testable import SluiceStorage

@Suite struct SQLiteTableSQLTests {
    private let table: SQLIdentifier
    private let start: SQLIdentifier
    private let site: SQLIdentifier
    private let hits: SQLIdentifier

    init() throws {
        table = try SQLIdentifier.table("stats")
        start = try SQLIdentifier("window_start")
        site = try SQLIdentifier("site")
        hits = try SQLIdentifier("hits")
    }

    @Test func insertsWithoutAKey() {
        #expect(
            SQLiteTableSQL.insert(into: table, columns: [start, hits], key: [])
                == #"INSERT INTO "stats" ("window_start", "hits") VALUES (?, ?)"#)
    }

    @Test func upsertsTheColumnsOutsideTheKey() {
        #expect(
            SQLiteTableSQL.insert(into: table, columns: [site, start, hits], key: [start, site])
                == #"INSERT INTO "stats" ("site", "window_start", "hits") VALUES (?, ?, ?) "#
                + #"ON CONFLICT ("window_start", "site") DO UPDATE SET "hits" = excluded."hits""#)
    }

    @Test func insertsSeveralRowsInOneStatement() {
        #expect(
            SQLiteTableSQL.insert(into: table, columns: [site, hits], key: [site], rows: 2)
                == #"INSERT INTO "stats" ("site", "hits") VALUES (?, ?), (?, ?) "#
                + #"ON CONFLICT ("site") DO UPDATE SET "hits" = excluded."hits""#)
    }

    @Test func aRowOfKeyColumnsOnlyChangesNothingOnConflict() {
        #expect(
            SQLiteTableSQL.insert(into: table, columns: [site], key: [site])
                == #"INSERT INTO "stats" ("site") VALUES (?) ON CONFLICT ("site") DO NOTHING"#)
    }
}
