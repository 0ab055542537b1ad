import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `file` source: reads events from files matched by a path or glob, once or following them.
extension FileSource: SourceStage {
    typealias Config = FileSourceConfig
    static let typeName = "file"
    static let summary =
        "Reads events from files (a path or a glob) as NDJSON, JSON, CSV or plain lines, once or following appends."
    static let options: [OptionDoc] = [
        OptionDoc(
            "path", "string",
            "File path or glob pattern (`*`, `?`, `[...]`), relative to the working directory. `validate` warns "
                + "when it matches nothing; in `mode: once` the source then fails, as it does when a matching "
                + "file cannot be read (after reading the others)."),
        OptionDoc(
            "format", "ndjson | json | csv | lines", default: "ndjson",
            "ndjson: one JSON object per line. json: the whole file is one object, or an array of objects "
                + "(one event each). csv: a header row (a column name written twice is read as name_2; a header row "
                + "that is rejected makes the file's records csv_no_header), then one record per line (RFC 4180 quoting; unquoted "
                + "numbers become numbers, but integers beyond 64 bits stay exact strings). lines: each line as the "
                + "field `message`. A UTF-8 byte order mark at "
                + "the start of a file is skipped."
        ),
        OptionDoc(
            "mode", "once | tail", default: "once",
            "once: read each file to its end, then finish. tail: keep following the files from their start, "
                + "picking up appended lines and new matching files. Files are known by device and inode: a "
                + "rotated file (rename + new file) is read to its end once, even when the glob still matches it. "
                + "A truncated file (copytruncate) is read again from its start, after reading what was not read "
                + "yet from its copy beside it (a file named like it that holds the same bytes, such as "
                + "app.log.1) if there is one; a line it cut is rejected as file_truncated, and bytes lost "
                + "before they were read are counted as truncated_unread_bytes. Let the glob match the copies "
                + "only when they are renamed, not copied: a copy that matches is read as a file of its own."
        ),
        OptionDoc("poll_interval", "duration", default: "250ms", "How often `mode: tail` looks for new data."),
        OptionDoc(
            "max_line_bytes", "size", default: "1MiB",
            "Longest line (or CSV record, or `format: json` document) accepted; longer ones are skipped and "
                + "counted as line_too_long. A CSV quoted field still open at this length (or at the end of the "
                + "input) is taken for a stray quote: its line is rejected as csv_unclosed_quote and the lines "
                + "after it are read as records; so is one that closes on a later line before stray text "
                + "(malformed_csv)."
        ),
        OptionDoc(
            "decoders", "int", default: "the number of cores",
            "Threads decoding lines at once, for `mode: once` with `format: ndjson` or `lines`: the source reads "
                + "and splits the file into chunks, the threads decode them, and events keep their order. 1 "
                + "decodes on the source's own thread."
        ),
    ]
    static let example = """
        name: file_example
        sources:
          events:
            type: file
            path: data/events-*.ndjson
            format: ndjson
            mode: once
            max_line_bytes: 1MiB
        sinks:
          out:
            type: file
            inputs: [events]
            path: out/events.ndjson
        """
}

/// The options of a `file` source.
public struct FileSourceConfig: SourceConfig {
    /// How a file's bytes become events.
    public enum Format: String, CaseIterable, Sendable {
        case ndjson, json, csv, lines

        /// The per-line format, or `nil` for `json`, which reads a file as one document.
        var lineFormat: LineFormat? { LineFormat(rawValue: rawValue) }
    }

    /// Whether the source finishes at the end of its files or follows them.
    public enum Mode: String, CaseIterable, Sendable {
        case once, tail
    }

    public var path: String
    public var format: Format
    public var mode: Mode
    public var pollInterval: ConfigDuration
    public var maxLineBytes: ConfigSize
    public var decoders: Int

    public init?(reading reader: inout OptionsReader) {
        let path = reader.requiredFilePath("path")
        let format = reader.choice("format", as: Format.self)
        let mode = reader.choice("mode", as: Mode.self)
        let pollInterval = reader.duration("poll_interval")
        let maxLineBytes = reader.size("max_line_bytes")
        let decoders = reader.int("decoders", minimum: 1)
        if let pollInterval, pollInterval.milliseconds <= 0 {
            reader.error(
                .invalidValue, "option 'poll_interval' must be longer than 0ms",
                at: reader.location(of: "poll_interval"))
        }
        if let maxLineBytes, !(1...(1 << 30)).contains(maxLineBytes.bytes) {
            reader.error(
                .invalidValue, "option 'max_line_bytes' must be between 1 and 1GiB",
                at: reader.location(of: "max_line_bytes"))
        }
        if let decoders, decoders > 256 {
            reader.error(
                .invalidValue, "option 'decoders' must be between 1 and 256", at: reader.location(of: "decoders"))
        }
        if mode == .tail, format == .json {
            reader.error(
                .invalidValue, "'format: json' reads whole files and cannot be used with 'mode: tail'",
                at: reader.location(of: "format"))
        }
        if path?.isEmpty == true {
            reader.error(.invalidValue, "option 'path' must not be empty", at: reader.location(of: "path"))
        }
        // Checked now only to warn: the files may well appear before the pipeline runs.
        if let path, !path.isEmpty, FileGlob.paths(matching: path).isEmpty {
            let outlook =
                mode == .tail
                ? "the source will wait for one to appear"
                : "the source will fail unless one appears before it starts"
            reader.warning(
                .noMatchingFile, "no file matches '\(path)' now; \(outlook)", at: reader.location(of: "path"))
        }
        guard let path, !reader.diagnostics.hasErrors else { return nil }
        self.path = path
        self.format = format ?? .ndjson
        self.mode = mode ?? .once
        self.pollInterval = pollInterval ?? ConfigDuration(milliseconds: 250)
        self.maxLineBytes = maxLineBytes ?? ConfigSize(bytes: 1 << 20)
        self.decoders = decoders ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public func makeSource(context: StageContext) throws -> any Source {
        FileSource(config: self, log: context.log)
    }
}

extension DiagnosticCode {
    /// A `file` source's path or glob that matches no file when the pipeline is checked.
    static let noMatchingFile: DiagnosticCode = "no-matching-file"
}

/// The running `file` source.
final class FileSource: Source {
    private let config: FileSourceConfig
    private let log: StageLog

    init(config: FileSourceConfig, log: StageLog) {
        self.config = config
        self.log = log
    }

    func run(output: any SourceOutput) throws {
        let format = config.format.lineFormat ?? .ndjson
        let ingest = LineIngest(format: format, maxLineBytes: config.maxLineBytes.bytes, output: output)
        // What was read is delivered even when the source fails.
        defer { ingest.flush() }
        switch config.mode {
        case .once:
            // CSV records may span lines and `format: json` reads whole documents: both stay sequential.
            let parallel =
                config.decoders > 1 && (config.format == .ndjson || config.format == .lines)
                ? ParallelLineIngest(
                    format: format, maxLineBytes: config.maxLineBytes.bytes, decoders: config.decoders,
                    output: output)
                : nil
            defer { parallel?.close() }
            try readOnce(ingest, parallel: parallel)
        case .tail: FileFollower(config: config, ingest: ingest, log: log, output: output).run()
        }
    }

    /// Reads every matching file once. A file that cannot be opened or read does not stop the others,
    /// but fails the source at the end, as does a pattern that matches nothing.
    private func readOnce(_ ingest: LineIngest, parallel: ParallelLineIngest?) throws {
        var shouldContinue: Bool { ingest.shouldContinue && parallel?.isOpen != false }
        let paths = FileGlob.paths(matching: config.path)
        guard !paths.isEmpty else { throw StageFailure("no file matches '\(config.path)'") }
        var failures: [String] = []
        for path in paths where shouldContinue {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                failures.append("cannot open '\(path)': \(SystemError.lastMessage)")
                continue
            }
            defer { close(descriptor) }
            let succeeded: Bool
            if config.format == .json {
                succeeded = ingest.readDocument(from: descriptor, name: path, maxBytes: config.maxLineBytes.bytes)
            } else if let parallel {
                succeeded = parallel.readToEnd(from: descriptor, name: path)
            } else {
                var stream = InputStream(name: path)
                succeeded = ingest.readToEnd(from: descriptor, stream: &stream)
            }
            if !succeeded { failures.append("cannot read '\(path)': \(SystemError.lastMessage)") }
        }
        guard failures.isEmpty else { throw StageFailure(Self.failureMessage(for: failures, among: paths.count)) }
    }

    /// One message for the files that could not be read: the first few, and how many in all.
    private static func failureMessage(for failures: [String], among total: Int) -> String {
        let shown = failures.prefix(3).joined(separator: "; ")
        return failures.count <= 3 ? shown : "\(shown); and \(failures.count - 3) more of \(total) files"
    }
}

/// Expands a path pattern with glob(3).
enum FileGlob {
    /// The paths matching `pattern`, sorted; empty when none match.
    static func paths(matching pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in matches.gl_pathv[index].map { String(cString: $0) } }
    }
}
