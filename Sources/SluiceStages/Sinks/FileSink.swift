import SluiceCore

/// `type: file` (sink) — writes events to a file as NDJSON or CSV.
extension FileSink: SinkStage {
    typealias Config = FileSinkConfig
    static let typeName = "file"
    static let summary = "Writes events to a file as NDJSON or CSV, truncating or appending."

    static let options = [
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

    static let example = """
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
}

/// The options of a `file` sink.
public struct FileSinkConfig: ProcessorConfig {
    /// How events are written.
    public enum Format: String, Sendable, CaseIterable {
        case ndjson
        case csv
    }

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
        for key in ["fields", "on_new_field"] where reader.contains(key) && format != .csv {
            reader.error(.invalidValue, "option '\(key)' applies only to format: csv", at: reader.location(of: key))
        }
        if let fields, fields.isEmpty {
            reader.error(
                .invalidValue, "option 'fields' must name at least one field", at: reader.location(of: "fields"))
        }
        guard let path else { return nil }
        if path.isEmpty {
            reader.error(.invalidValue, "option 'path' must not be empty", at: reader.location(of: "path"))
        }
        self.init(path: path)
        if let format { self.format = format }
        if let fields { self.fields = fields }
        if let append { self.append = append }
        if let onNewField { self.onNewField = onNewField }
    }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        try FileSink(config: self, context: context)
    }

    /// True when this sink takes the place of `previous`, a `file` sink writing the same file: the
    /// earlier output stays and this sink continues it, whatever else changed.
    func continuesFile(of previous: (any StageConfig)?) -> Bool {
        guard let previous = previous as? Self else { return false }
        return previous.path == path || OutputFile.sameFile(previous.path, path)
    }
}

/// The running `file` sink: writes events to a file as NDJSON or CSV.
///
/// The file and its missing parent folders are created when the stage starts; it is emptied at its
/// first write unless `append: true`, or unless the sink takes the place of one writing the same file in
/// a reload (it then continues the file). Each batch is written with one `write(2)` when it has been
/// encoded (larger batches every 256 KiB), so the file is never behind by more than one batch; `finish`
/// flushes and closes it. A full file system is waited out; other write errors fail the stage (see
/// `OutputDescriptor`).
final class FileSink: FormattedSink {
    init(config: FileSinkConfig, context: StageContext) throws {
        let appends = config.append || config.continuesFile(of: context.replacing)
        let fd = try OutputFile.open(config.path, append: appends)
        let descriptor = OutputDescriptor(
            fd: fd, path: config.path, owned: true, stopsOnBrokenPipe: false, truncateOnFirstUse: !appends,
            framing: config.format == .csv ? .csv : .lines, log: context.log, shutdown: context.shutdown)
        switch config.format {
        case .ndjson: super.init(EncodingSink(encoder: NDJSONEncoder(), descriptor: descriptor))
        case .csv:
            let encoder = CSVEncoder(columns: config.fields, onNewField: config.onNewField)
            super.init(EncodingSink(encoder: encoder, descriptor: descriptor))
        }
    }
}
