import SluiceCore
import Testing

@testable import SluiceStorage

/// The documented type mapping (docs/storage.md): which values each column type stores, and how.
@Suite struct ColumnTypeTests {
    @Test func infersTheColumnTypeFromTheFirstValue() {
        let cases: [(Value, ColumnType?)] = [
            (.null, nil), (true, .boolean), (1, .integer), (1.5, .real), ("a", .text), (.array([]), .json),
            (.object(Event()), .json),
        ]
        for (value, type) in cases { #expect(ColumnType(inferringFrom: value) == type, "\(value)") }
    }

    @Test func anIntegerColumnWidensToRealOnlyForFractions() {
        #expect(ColumnType.integer.widened(toHold: 2.5) == .real)
        #expect(ColumnType.integer.widened(toHold: 3.0) == .integer)
        #expect(ColumnType.integer.widened(toHold: 1e300) == .real)
        #expect(ColumnType.text.widened(toHold: 2.5) == .text)
    }

    /// `nil` in a cell: the value does not fit and its row is rejected.
    @Test func storesTheValuesEachTypeAcceptsAndRejectsTheRest() {
        let values: [Value] = [.null, true, 7, 3.0, 2.5, "s", .array([1]), .object(Event(["a": 1]))]
        let expected: [ColumnType: [String?]] = [
            .integer: ["null", nil, "int 7", "int 3", nil, nil, nil, nil],
            .real: ["null", nil, "real 7.0", "real 3.0", "real 2.5", nil, nil, nil],
            .text: ["null", nil, nil, nil, nil, "text s", nil, nil],
            .boolean: ["null", "int 1", nil, nil, nil, nil, nil, nil],
            .json: ["null", "json true", "json 7", "json 3.0", "json 2.5", #"json "s""#, "json [1]", #"json {"a":1}"#],
            .any: ["null", "int 1", "int 7", "real 3.0", "real 2.5", "text s", "json [1]", #"json {"a":1}"#],
        ]
        for (type, cells) in expected {
            #expect(values.map { type.storedValue(for: $0).map(Self.describe) } == cells, "\(type)")
        }
    }

    private static func describe(_ stored: StoredValue) -> String {
        switch stored {
        case .null: return "null"
        case .integer(let number): return "int \(number)"
        case .real(let number): return "real \(number)"
        case .text(let text): return "text \(text)"
        case .json(let value): return "json \(value)"
        }
    }

    @Test func readsTheTypesOfExistingColumnsBySQLitesAffinityRules() {
        let cases: [(String, ColumnType)] = [
            ("INTEGER", .integer), ("BIGINT", .integer), ("varchar(20)", .text), ("DOUBLE PRECISION", .real),
            ("BOOLEAN", .boolean), ("JSON TEXT", .json), ("", .any), ("BLOB", .any), ("NUMERIC", .any),
        ]
        for (declaration, type) in cases {
            #expect(SQLiteTableSQL.columnType(declaredAs: declaration) == type, "\(declaration)")
        }
        for type in ColumnType.declarable {
            #expect(SQLiteTableSQL.columnType(declaredAs: SQLiteTableSQL.declaration(of: type)) == type)
        }
    }
}
