import SluiceCore

/// `type: file` (sink) — writes events to a file as NDJSON or CSV.
///
/// The file and its missing parent folders are created when the stage starts; it is emptied at its
/// first write unless `append: true`, or unless the sink takes the place of one writing the same file in
/// a reload (it then continues the file). Each batch is written with one `write(2)` when it has been
/// encoded (larger batches every 256 KiB), so the file is never behind by more than one batch; `finish`
/// flushes and closes it. A full file system is waited out; other write errors fail the stage (see
/// `OutputDescriptor`).
public enum FileSink: Stage {
    public static let typeName = "file"
    public static let kind = StageKind.sink
    public static let summary = "Writes events to a file as NDJSON or CSV, truncating or appending."

    public static let options = [
        OptionDoc("path", "string", "The file to write; missing parent folders are created."),
        OptionDoc(
            "format", "ndjson | csv", default: "ndjson",
            "ndjson: one compact JSON object per line. csv: one row per event, quoted per RFC 4180; "
                + "nested values are written as JSON text and missing fields as empty cells."),
        OptionDoc(
            "fields", "[field]", default: "the first event's fields",
            "csv only: the columns, in order (dotted paths allowed). Without it the columns are the "
                + "top-level fields of the first event, or the header of the file being appended to."),
        OptionDoc(
            "on_new_field", "warn | fail", default: "warn",
            "csv only, without `fields`: what a field does that is not among the columns (it appeared after "
                + "the first row). warn: the row is written without it, the event is counted as csv_new_field "
                + "and the field is logged once; fail: the sink fails for good."),
        OptionDoc(
            "append", "bool", default: "false",
            "Append to an existing file instead of truncating it. A csv header is only written to an empty "
                + "file; a file whose last line has no newline is continued on a new line. A sink that a "
                + "reload changes keeps appending to the file it wrote."),
    ]

    public static let example = """
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              id: sequence()
              category: choice(["books", "games", "music"])
              value: uniform(0, 1000)
        sinks:
          table:
            type: file
            inputs: [clicks]
            path: out/clicks.csv
            format: csv
            fields: [id, category, value]
            append: false
        """

    /// How events are written.
    public enum Format: String, Sendable, CaseIterable {
        case ndjson
        case csv
    }

    /// The options of a `file` sink.
    public struct Config: StageConfig {
        public var path: String
        public var format: Format
        /// The csv columns; `nil` takes them from the first event (or the appended file's header).
        public var fields: [FieldPath]?
        public var append: Bool
        /// What a field outside the inferred csv columns does.
        public var onNewField: NewFieldPolicy

        public init(
            path: String, format: Format = .ndjson, fields: [FieldPath]? = nil, append: Bool = false,
            onNewField: NewFieldPolicy = .warn
        ) {
            self.path = path
            self.format = format
            self.fields = fields
            self.append = append
            self.onNewField = onNewField
        }

        public init?(reading reader: inout OptionsReader) {
            let path = reader.requiredFilePath("path")
            let format = reader.choice("format", as: Format.self)
            let fields = reader.fieldList("fields")
            let append = reader.bool("append")
            let onNewField = reader.choice("on_new_field", as: NewFieldPolicy.self)
            for key in ["fields", "on_new_field"] {
                if let node = reader.node(key), format != .csv {
                    reader.error(.invalidValue, "option '\(key)' applies only to format: csv", at: node.location)
                }
            }
            if let fields, fields.isEmpty, let fieldsNode = reader.node("fields") {
                reader.error(.invalidValue, "option 'fields' must name at least one field", at: fieldsNode.location)
            }
            guard let path else { return nil }
            if path.isEmpty, let pathNode = reader.node("path") {
                reader.error(.invalidValue, "option 'path' must not be empty", at: pathNode.location)
            }
            self.init(path: path)
            if let format { self.format = format }
            if let fields { self.fields = fields }
            if let append { self.append = append }
            if let onNewField { self.onNewField = onNewField }
        }

        public func makeRuntime(context: StageContext) throws -> StageRuntime {
            let appends = append || continuesFile(of: context.replacing)
            let fd = try OutputFile.open(path, append: appends)
            let descriptor = OutputDescriptor(
                fd: fd, path: path, owned: true, stopsOnBrokenPipe: false, truncateOnFirstUse: !appends,
                framing: format == .csv ? .csv : .lines, log: context.log, shutdown: context.shutdown)
            switch format {
            case .ndjson:
                return .processor(EncodingSink(encoder: NDJSONEncoder(), descriptor: descriptor))
            case .csv:
                let encoder = CSVEncoder(columns: fields, onNewField: onNewField)
                return .processor(EncodingSink(encoder: encoder, descriptor: descriptor))
            }
        }

        /// True when this sink takes the place of `previous`, a `file` sink writing the same file: the
        /// earlier output stays and this sink continues it, whatever else changed.
        private func continuesFile(of previous: (any StageConfig)?) -> Bool {
            guard let previous = previous as? Config else { return false }
            return previous.path == path || OutputFile.sameFile(previous.path, path)
        }
    }
}
