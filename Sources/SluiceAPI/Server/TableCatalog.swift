import SluiceCore
import SluiceService
import SluiceStorage

/// The tables that the running pipelines' sinks write, for `GET /api/tables` and `GET /api/query`: what
/// they hold, and read-only queries of their databases — of those databases only, so the API cannot be
/// used to read any other file of the machine.
struct TableCatalog {
    /// Rows a query returns unless `?limit=` asks for another number, and the most it may ask for.
    static let defaultLimit = 1_000
    static let maxLimit = 100_000
    /// How long a query may run before it is interrupted.
    static let timeoutSeconds = 5.0

    /// One table as `GET /api/tables` lists it.
    struct Entry: Encodable, Equatable {
        var pipeline: String
        var stage: String
        var database = "sqlite"
        var path: String
        var table: String
        /// False until the sink has created the table.
        var exists: Bool
        var columns: [Column]
        var rows: Int
    }

    /// A column of a table and its declared type.
    struct Column: Encodable, Equatable {
        var name: String
        var type: String
    }

    /// Why the API cannot run a query, with the HTTP status that says so.
    struct Refusal: Error {
        var status: Int
        var message: String
    }

    let supervisor: PipelineSupervisor

    /// The tables of every running pipeline's sinks, in pipeline and stage order.
    func entries() -> [Entry] {
        sinks().map { pipeline, stage, stored in
            let described = Self.describe(stored)
            return Entry(
                pipeline: pipeline, stage: stage, path: stored.databasePath, table: stored.table,
                exists: described != nil, columns: described?.columns ?? [], rows: described?.rows ?? 0)
        }
    }

    /// Runs `sql` read-only on `database` — a path that a sink writes, or nil when exactly one database is
    /// written — returning at most `limit` rows.
    func query(_ sql: String, database: String?, limit: Int) throws(Refusal) -> QueryResult {
        let path = try resolve(database)
        do {
            return try SQLiteReadOnlyQuery.run(path: path, sql: sql, limit: limit, timeoutSeconds: Self.timeoutSeconds)
        } catch {
            switch error {
            case .writeRefused: throw Refusal(status: 403, message: "\(error)")
            case .invalid: throw Refusal(status: 400, message: "\(error)")
            case .timedOut: throw Refusal(status: 503, message: "\(error)")
            default: throw Refusal(status: 500, message: "\(error)")
            }
        }
    }

    /// The database a query runs on.
    private func resolve(_ database: String?) throws(Refusal) -> String {
        let known = Array(Set(sinks().map(\.stored.databasePath))).sorted()
        if let database {
            guard known.contains(database) else {
                let list = known.isEmpty ? "none" : known.joined(separator: ", ")
                throw Refusal(status: 404, message: "no sink writes the database '\(database)'; sinks write: \(list)")
            }
            return database
        }
        guard let only = known.first else {
            throw Refusal(status: 404, message: "no running pipeline has a sqlite sink, so there is nothing to query")
        }
        guard known.count == 1 else {
            let list = known.joined(separator: ", ")
            throw Refusal(status: 400, message: "sinks write \(known.count) databases; name one with ?db=: \(list)")
        }
        return only
    }

    /// Every sink that stores a table, with its pipeline and stage.
    private func sinks() -> [(pipeline: String, stage: String, stored: StoredTable)] {
        supervisor.runningPipelines.flatMap { entry in
            let graph = entry.pipeline.graph
            return graph.nodes.compactMap { node in
                (node.config as? any StoresTable).map { (graph.name, node.id, $0.storedTable) }
            }
        }
    }

    /// The columns and row count of `stored`, or nil when its database or table does not exist yet.
    private static func describe(_ stored: StoredTable) -> (columns: [Column], rows: Int)? {
        guard let table = try? SQLIdentifier.table(stored.table) else { return nil }
        let path = stored.databasePath
        guard
            let info = try? SQLiteReadOnlyQuery.run(
                path: path, sql: "PRAGMA table_info(\(table.quoted))", limit: nil, timeoutSeconds: timeoutSeconds),
            !info.rows.isEmpty,
            let count = try? SQLiteReadOnlyQuery.run(
                path: path, sql: "SELECT count(*) FROM \(table.quoted)", limit: 1, timeoutSeconds: timeoutSeconds)
        else { return nil }
        let name = info.columns.firstIndex(of: "name")
        let type = info.columns.firstIndex(of: "type")
        let columns = info.rows.map { row in
            Column(name: name.map { row[$0].text } ?? "", type: type.map { row[$0].text } ?? "")
        }
        return (columns, count.rows.first?.first?.int ?? 0)
    }
}

extension Value {
    /// The value as text: a string as it is, anything else as JSON.
    fileprivate var text: String {
        if case .string(let string) = self { return string }
        return description
    }

    fileprivate var int: Int? {
        if case .int(let value) = self { return Int(value) }
        return nil
    }
}

extension QueryResult {
    /// `{"columns": [...], "rows": [[...], ...], "truncated": false}`: rows as arrays, in column order.
    var apiJSON: String {
        var writer = JSONWriter(cachesKeys: false)
        writer.bytes.append(contentsOf: Array(#"{"columns":["#.utf8))
        for (index, column) in columns.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.writeString(column)
        }
        writer.bytes.append(contentsOf: Array(#"],"rows":["#.utf8))
        for (index, row) in rows.enumerated() {
            writer.bytes.append(contentsOf: Array((index > 0 ? ",[" : "[").utf8))
            for (position, value) in row.enumerated() {
                if position > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                writer.write(value)
            }
            writer.bytes.append(UInt8(ascii: "]"))
        }
        writer.bytes.append(contentsOf: Array(#"],"truncated":\#(isTruncated)}"#.utf8))
        writer.bytes.append(0x0A)
        return writer.string
    }
}
