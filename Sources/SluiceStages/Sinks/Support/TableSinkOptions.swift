import SluiceCore
import SluiceStorage

/// The options every database sink shares (`sqlite`, `postgres`): the table, its upsert key, its
/// declared columns and the batching.
public struct TableSinkOptions: Sendable, Equatable {
    public var target: TableTarget
    /// Write a batch once this many events are waiting.
    public var maxEvents: Int
    /// Write what is waiting at least this often.
    public var timeout: ConfigDuration

    public init(target: TableTarget, maxEvents: Int = 10_000, timeout: ConfigDuration = .init(milliseconds: 1_000)) {
        self.target = target
        self.maxEvents = maxEvents
        self.timeout = timeout
    }

    /// The documentation of the shared options, after the sink's own (`path`, `url`).
    static let docs = [
        OptionDoc("table", "string", "The table; created when it does not exist. Any name works: names are quoted."),
        OptionDoc(
            "key", "[field]", default: "none",
            "Upsert on these fields: a row whose key matches an existing row replaces that row's values "
                + "(`INSERT … ON CONFLICT DO UPDATE`), so a re-emitted window updates its row. The sink creates "
                + "the unique index this needs. A row without a key value is dropped (`missing_key`). Without "
                + "`key` every row is inserted."),
        OptionDoc(
            "columns", "{field: integer | real | text | boolean | json}", default: "from the events",
            "The table's columns and their types; other fields are not stored. Without it the table is "
                + "created from the first rows and a new field adds a column (ALTER TABLE ADD COLUMN), typed by "
                + "its first value. A value that does not fit its column's type drops its row (`wrong_type`); "
                + "objects and arrays are stored as JSON text. docs/storage.md has the full mapping."),
        OptionDoc("max_events", "int", default: "10000", "Write a batch once this many events are waiting."),
        OptionDoc(
            "timeout", "duration", default: "1s",
            "Write what is waiting at least this often, so a slow stream still reaches the table."),
    ]

    /// The example of a database sink of type `type` whose own option (`path`, `url`) is `location`: the
    /// per-category counts of 10-second windows, upserted on the window and category.
    static func example(type: String, location: String) -> String {
        """
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              ts: 1767225600000 + sequence() * 100
              category: choice(["books", "games", "music"])
              value: uniform(0, 1000)
        aggregations:
          per_category:
            type: aggregate
            inputs: [clicks]
            group_by: [category]
            window: { type: tumbling, size: 10s, time_field: ts }
            metrics:
              count: count()
              total: sum(value)
        sinks:
          store:
            type: \(type)
            inputs: [per_category]
            \(location)
            table: category_stats
            key: [window_start, category]
            columns: { window_start: integer, window_end: integer, category: text, count: integer, total: real }
            max_events: 10000
            timeout: 1s
        """
    }

    /// Reads the shared options, with the naming rules of `dialect`; `nil` when one is wrong (the
    /// diagnostics say why).
    init?(reading reader: inout OptionsReader, dialect: SQLDialect) {
        let table = Self.identifier(reader.requiredString("table"), key: "table", reader: &reader) {
            name throws(SQLIdentifier.Problem) in try dialect.table(name)
        }
        let key = Self.readKey(&reader, dialect: dialect)
        let columns = Self.readColumns(&reader, dialect: dialect)
        let maxEvents = reader.int("max_events", minimum: 1)
        let timeout = reader.duration("timeout")
        if let timeout, timeout.milliseconds < 1 {
            reader.error(.invalidValue, "option 'timeout' must be at least 1ms", at: reader.location(of: "timeout"))
        }
        // Against every name under `columns`, so a column with a bad type is reported once, not twice.
        if let key, let declared = reader.node("columns")?.entries {
            let names = Set(declared.map { dialect.nameKey($0.key) })
            for field in key where !names.contains(dialect.nameKey(field.name)) {
                reader.error(
                    .invalidValue, "key field '\(field.name)' is not one of 'columns'", at: reader.location(of: "key"))
            }
        }
        guard let table, !reader.diagnostics.hasErrors else { return nil }
        self.init(target: TableTarget(table: table, key: key ?? [], columns: columns))
        if let maxEvents { self.maxEvents = maxEvents }
        if let timeout { self.timeout = timeout }
    }

    /// `key`: distinct field names, each a valid column name.
    private static func readKey(_ reader: inout OptionsReader, dialect: SQLDialect) -> [SQLIdentifier]? {
        guard let names = reader.stringList("key") else { return nil }
        let location = reader.location(of: "key")
        var key: [SQLIdentifier] = []
        for name in names {
            guard
                let identifier = identifier(
                    name, key: "key", reader: &reader,
                    { name throws(SQLIdentifier.Problem) in try dialect.column(name) }
                )
            else { continue }
            if key.contains(where: { dialect.nameKey($0.name) == dialect.nameKey(identifier.name) }) {
                reader.error(.invalidValue, "key field '\(name)' is listed twice", at: location)
                continue
            }
            key.append(identifier)
        }
        if names.isEmpty { reader.error(.invalidValue, "option 'key' must name at least one field", at: location) }
        return key
    }

    /// `columns`: a mapping of distinct column names to declarable types.
    private static func readColumns(_ reader: inout OptionsReader, dialect: SQLDialect) -> [TableSchema.Column]? {
        guard let entries = reader.namedScalars("columns") else { return nil }
        var columns: [TableSchema.Column] = []
        let types = ColumnType.declarable.map(\.rawValue)
        let typeList = types.joined(separator: ", ")
        for entry in entries {
            guard let type = ColumnType(rawValue: entry.text), type != .any else {
                reader.error(
                    .invalidValue, "column '\(entry.name)': unknown type '\(entry.text)'; use one of \(typeList)",
                    at: entry.positions.start, suggestion: Suggestion.closest(to: entry.text, among: types))
                continue
            }
            guard
                let name = identifier(
                    entry.name, key: "columns", reader: &reader,
                    { name throws(SQLIdentifier.Problem) in try dialect.column(name) })
            else { continue }
            if columns.contains(where: { dialect.nameKey($0.name.name) == dialect.nameKey(name.name) }) {
                let rule = dialect.database == .sqlite ? " (column names ignore ASCII case)" : ""
                reader.error(.invalidValue, "column '\(entry.name)' is listed twice\(rule)", at: entry.positions.start)
                continue
            }
            columns.append(TableSchema.Column(name: name, type: type))
        }
        if entries.isEmpty {
            reader.error(
                .invalidValue, "option 'columns' must name at least one column", at: reader.location(of: "columns"))
        }
        return columns
    }

    /// `name` as checked by `validate`, or a diagnostic at option `key` saying why it cannot be one.
    private static func identifier(
        _ name: String?, key: String, reader: inout OptionsReader,
        _ validate: (String) throws(SQLIdentifier.Problem) -> SQLIdentifier
    ) -> SQLIdentifier? {
        guard let name else { return nil }
        do {
            return try validate(name)
        } catch {
            reader.error(.invalidValue, "option '\(key)': '\(name)': \(error)", at: reader.location(of: key))
            return nil
        }
    }
}
