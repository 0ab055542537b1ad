import Testing

@testable import SluiceStorage

@Suite struct TableDDLTests {
    @Test func namesTheKeyIndexAfterItsColumns() throws {
        let key = [try SQLIdentifier("window_start"), try SQLIdentifier("site")]
        #expect(
            TableDDL(dialect: .sqlite).createKeyIndex(on: try SQLIdentifier.table(#"a"b"#), key: key)
                == #"CREATE UNIQUE INDEX IF NOT EXISTS "a""b_key(window_start,site)" ON "a""b" ("window_start", "site")"#
        )
    }

    @Test func cutsAPostgreSQLIndexNameToItsLimitAndKeepsItDistinct() throws {
        let table = try SQLIdentifier.table(String(repeating: "t", count: 60))
        let ddl = TableDDL(dialect: .postgres)
        let first = ddl.createKeyIndex(on: table, key: [try SQLIdentifier("window_start")])
        let second = ddl.createKeyIndex(on: table, key: [try SQLIdentifier("window_end")])
        let names = [first, second].map { $0.split(separator: "\"")[1] }
        #expect(names.allSatisfy { $0.utf8.count == 63 })
        #expect(names[0] != names[1])
    }

    @Test func declaresEachColumnTypeForItsDatabase() throws {
        let columns = [
            TableSchema.Column(name: try SQLIdentifier("n"), type: .integer),
            TableSchema.Column(name: try SQLIdentifier("j"), type: .json),
        ]
        let table = try SQLIdentifier.table("t")
        #expect(
            TableDDL(dialect: .sqlite).createTable(table, columns: columns)
                == #"CREATE TABLE IF NOT EXISTS "t" ("n" INTEGER, "j" JSON TEXT)"#)
        #expect(
            TableDDL(dialect: .postgres).createTable(table, columns: columns)
                == #"CREATE TABLE IF NOT EXISTS "t" ("n" bigint, "j" jsonb)"#)
        #expect(
            TableDDL(dialect: .postgres).addColumn(columns[0], to: table)
                == #"ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "n" bigint"#)
    }
}
