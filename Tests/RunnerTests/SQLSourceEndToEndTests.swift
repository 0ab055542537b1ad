import Foundation
import SluiceStorage
import SluiceTesting
import Testing

/// The `sql` source in the real binary: its cursor survives a reload that replaces the source and a
/// restart of the runner, on SQLite and on PostgreSQL.
@Suite struct SQLSourceEndToEndTests {
    private let folder: URL

    init() throws {
        folder = try temporaryFolder()
    }

    /// A table of orders in SQLite or PostgreSQL, and the source options that read it.
    private struct Orders {
        let source: String
        let insert: (ClosedRange<Int>) throws -> Void
    }

    private func orders(in database: String) throws -> Orders {
        let values = { (ids: ClosedRange<Int>) in ids.map { "(\($0), 'c\($0 % 7)')" }.joined(separator: ", ") }
        if database == "sqlite" {
            let path = folder.appendingPathComponent("shop.db").path
            let connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
            try connection.execute("PRAGMA journal_mode = WAL; CREATE TABLE orders (id INTEGER, customer TEXT)")
            return Orders(
                source: "path: \(path)\n    query: SELECT id, customer FROM orders WHERE id > $1 ORDER BY id"
            ) {
                try connection.execute("INSERT INTO orders VALUES " + values($0))
            }
        }
        let url = try TestPostgres.requireURL()
        let table = TestPostgres.uniqueName("orders")
        let connection = try PostgresConnection(url: url)
        try connection.execute("CREATE TABLE \(table) (id bigint, customer text)")
        return Orders(
            source: "url: \(url)\n    query: SELECT id, customer FROM \(table) WHERE id > $1 ORDER BY id"
        ) {
            try connection.execute("INSERT INTO \(table) VALUES " + values($0))
        }
    }

    private func pipeline(_ orders: Orders, interval: String) -> String {
        """
        sources:
          orders:
            type: sql
            \(orders.source)
            interval: \(interval)
            cursor: { column: id, start: 0 }
        sinks:
          out:
            type: file
            inputs: [orders]
            path: out/orders.ndjson
            append: true
        """
    }

    /// The ids in the sink's file, in order.
    private func storedIDs() -> [Int] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("out/orders.ndjson"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int
        }
    }

    private func stop(_ runner: RunnerProcess) {
        runner.send(SIGINT)
        let result = runner.wait()
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(arguments: ["sqlite", "postgres"])
    func theCursorSurvivesAReloadAndARestartSoEveryRowArrivesOnce(database: String) throws {
        let orders = try orders(in: database)
        let file = folder.appendingPathComponent("shop.yaml")
        try pipeline(orders, interval: "50ms").write(to: file, atomically: true, encoding: .utf8)
        try orders.insert(1...100)

        let first = try RunnerProcess(["apply", "shop.yaml"], in: folder)
        #expect(eventually { storedIDs().count >= 100 }, "\(first.stderrSoFar)")
        // A changed interval replaces the source; the new one starts from the saved cursor.
        try pipeline(orders, interval: "60ms").write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { first.stderrSoFar.contains("reloaded in") }, "\(first.stderrSoFar)")
        try orders.insert(101...150)
        #expect(eventually { storedIDs().count >= 150 }, "\(first.stderrSoFar)")
        stop(first)

        try orders.insert(151...200)
        let second = try RunnerProcess(["apply", "shop.yaml"], in: folder)
        #expect(eventually { storedIDs().count >= 200 }, "\(second.stderrSoFar)")
        stop(second)

        #expect(storedIDs() == Array(1...200))
        let state = folder.appendingPathComponent(".sluice/state/shop/orders.json")
        #expect(try String(contentsOf: state, encoding: .utf8) == #"{"column":"id","value":200}"# + "\n")
    }
}
