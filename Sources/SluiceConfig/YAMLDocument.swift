import CYAML
import SluiceCore

/// A YAML pipeline file read through the system libyaml into a `ConfigNode` tree with positions, with
/// `${VAR}` and `${VAR:-default}` in scalar values substituted from the environment.
///
/// libyaml's event stream is read one event at a time (`YAMLTreeBuilder`), so anchors and aliases are
/// refused before anything is expanded, and `ConfigLimits` bound the file's size, nesting and node count.
public struct YAMLDocument: Sendable {
    /// The top-level node; `nil` when the text could not be read as one YAML document within the limits.
    public let root: ConfigNode?
    /// Every problem found, with its position.
    public let diagnostics: Diagnostics
    /// Plain values of flow collections that YAML cut at a comma, for hints on the diagnostics they cause.
    public let flowSplits: [FlowSplit]

    /// Reads `bytes` (UTF-8, or UTF-16 with a byte order mark), which came from `file` (used only for
    /// positions).
    public init(
        bytes: [UInt8], file: String, environment: [String: String], limits: ConfigLimits = .standard
    ) {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard bytes.count <= limits.maxBytes else {
            root = nil
            diagnostics = Diagnostics([
                Diagnostic(
                    code: .configLimit,
                    message: "the file has more than \(limits.maxBytes) bytes (\(ConfigSize(bytes: limits.maxBytes))), "
                        + "the limit for a pipeline file",
                    location: start)
            ])
            flowSplits = []
            return
        }
        var builder = YAMLTreeBuilder(
            file: file, limits: limits, environment: environment, source: SourceText(bytes: bytes))
        // libyaml refuses an empty input string; an empty file is an empty mapping.
        let ending = bytes.isEmpty ? .completed : Self.run(&builder, over: bytes)
        var diagnostics = builder.diagnostics
        if case .failed(let syntaxError) = ending { diagnostics.append(syntaxError) }
        root = ending == .completed ? builder.root ?? ConfigNode(.map([]), at: start) : nil
        self.diagnostics = diagnostics
        flowSplits = builder.flowSplits
    }

    /// How reading the event stream ended.
    private enum Ending: Equatable {
        case completed
        /// The builder stopped at a limit or a second document; its diagnostics say why.
        case stopped
        case failed(Diagnostic)
    }

    /// Parses `text`, which came from `file`; appends its diagnostics and returns the root (see `root`).
    public static func parse(
        _ text: String, file: String, environment: [String: String], limits: ConfigLimits = .standard,
        diagnostics: inout Diagnostics
    ) -> ConfigNode? {
        let document = YAMLDocument(bytes: Array(text.utf8), file: file, environment: environment, limits: limits)
        diagnostics.append(contentsOf: document.diagnostics)
        return document.root
    }

    /// Feeds libyaml's events to `builder` until the stream ends, the builder stops or libyaml finds a
    /// syntax error.
    private static func run(_ builder: inout YAMLTreeBuilder, over bytes: [UInt8]) -> Ending {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failed(
                Diagnostic(
                    code: .yamlSyntax, message: "libyaml could not start (out of memory)",
                    location: SourceLocation(file: builder.file, line: 1, column: 1)))
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return .failed(syntaxError(parser, bytes: bytes, builder: builder))
                }
                let next = builder.handle(event)
                yaml_event_delete(&event)
                switch next {
                case .proceed: continue
                case .stop: return .stopped
                case .done: return .completed
                }
            }
        }
    }

    private static func syntaxError(_ parser: yaml_parser_t, bytes: [UInt8], builder: YAMLTreeBuilder) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        var message = "invalid YAML: \(problem)"
        let location: SourceLocation
        switch parser.error {
        case YAML_READER_ERROR:
            location = Self.location(ofByte: parser.problem_offset, in: bytes, file: builder.file)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            location = builder.location(parser.problem_mark)
            if let context = parser.context {
                let at = builder.location(parser.context_mark)
                message += " (\(String(cString: context)) at line \(at.line), column \(at.column))"
            }
        default:
            location = SourceLocation(file: builder.file, line: 1, column: 1)
        }
        if let text = builder.openFlowSplitText { message += " (\(FlowSplit.syntaxHint(afterValueStarting: text)))" }
        return Diagnostic(code: .yamlSyntax, message: message, location: location)
    }

    /// The line and column of byte `offset`, for libyaml's reader errors (bad UTF-8), which give no mark.
    private static func location(ofByte offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
