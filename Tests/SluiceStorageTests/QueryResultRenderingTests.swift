import SluiceCore
import Testing

@testable import SluiceStorage

/// The three output formats of `runner query`.
@Suite struct QueryResultRenderingTests {
    private let result = QueryResult(
        columns: ["site", "hits", "ratio"],
        rows: [["a, \"b\"", 12, 0.5], ["line\nbreak", nil, 1e300]])

    @Test func tableAlignsColumnsRightAlignsNumbersAndCountsRows() {
        #expect(
            result.rendered(as: .table) == """
                site         hits  ratio
                -----------  ----  ------
                a, "b"         12     0.5
                line\\nbreak  NULL  1e+300
                (2 rows)

                """)
    }

    @Test func tableFooterSaysWhenRowsWereCut() {
        let cut = QueryResult(columns: ["n"], rows: [[1]], isTruncated: true)
        #expect(cut.rendered(as: .table).hasSuffix("(1 row; the query returned more, cut by the row limit)\n"))
    }

    @Test func jsonIsAnArrayOfObjectsKeepingRepeatedColumnNames() {
        #expect(
            result.rendered(as: .json) == """
                [
                {"site":"a, \\"b\\"","hits":12,"ratio":0.5},
                {"site":"line\\nbreak","hits":null,"ratio":1e+300}
                ]

                """)
        #expect(QueryResult(columns: ["a", "a"], rows: [[1, 2]]).rendered(as: .json) == "[\n{\"a\":1,\"a\":2}\n]\n")
        #expect(QueryResult(columns: ["a"], rows: []).rendered(as: .json) == "[]\n")
    }

    @Test func csvQuotesPerRFC4180AndLeavesNullEmpty() {
        #expect(result.rendered(as: .csv) == "site,hits,ratio\n\"a, \"\"b\"\"\",12,0.5\n\"line\nbreak\",,1e+300\n")
    }
}
