import Testing

@testable import SluiceStorage

@Suite struct SQLIdentifierTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        (#"a"; DROP TABLE x; --"#, #""a""; DROP TABLE x; --""#),
        (#"""#, #""""""#),
        ("ünï code", #""ünï code""#),
    ])
    func quotesEveryNameAndDoublesInnerQuotes(name: String, quoted: String) throws {
        #expect(try SQLIdentifier(name).quoted == quoted)
    }

    @Test func rejectsWhatNoQuotingCanCarry() {
        #expect(throws: SQLIdentifier.Problem.empty) { try SQLIdentifier("") }
        #expect(throws: SQLIdentifier.Problem.containsNUL) { try SQLIdentifier("a\u{0}b") }
    }

    @Test func tableNamesMayNotUseSQLitesReservedPrefixButColumnsMay() throws {
        #expect(throws: SQLIdentifier.Problem.reserved) { try SQLIdentifier.table("SQLite_stats") }
        #expect(try SQLIdentifier("sqlite_stats").name == "sqlite_stats")
    }

    @Test func foldsOnlyASCIILettersAsSQLiteComparesNames() {
        #expect(SQLIdentifier.fold("Window_Start") == "window_start")
        #expect(SQLIdentifier.fold("ÄÖ") == "ÄÖ")
    }
}
