/// A problem found while loading or compiling a pipeline, with the position it refers to.
///
/// Rendered as `FILE:LINE:COL: error: stage 'id': message; did you mean 'x'? [code]`, the format
/// `runner validate` prints and editors understand.
public struct Diagnostic: Sendable, Hashable, Error, CustomStringConvertible {
    /// How serious a diagnostic is: errors stop a pipeline from running, warnings do not.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    /// A stable, machine-readable kind such as `unknown-field` or `cycle`.
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation?
    /// The id of the stage the problem belongs to, when it belongs to one.
    public var stage: String?
    /// A close spelling the user probably meant.
    public var suggestion: String?

    public init(
        _ severity: Severity = .error, code: DiagnosticCode, message: String, location: SourceLocation?,
        stage: String? = nil, suggestion: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.stage = stage
        self.suggestion = suggestion
    }

    public var description: String {
        var text = location.map { "\($0): " } ?? ""
        text += "\(severity.rawValue): "
        if let stage { text += "stage '\(stage)': " }
        text += message
        if let suggestion { text += "; did you mean '\(suggestion)'?" }
        text += " [\(code.rawValue)]"
        return text
    }
}

/// The kinds of diagnostic; an open set so plugins can add their own codes.
public struct DiagnosticCode: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public static let yamlSyntax: DiagnosticCode = "yaml-syntax"
    public static let unknownField: DiagnosticCode = "unknown-field"
    public static let missingField: DiagnosticCode = "missing-field"
    public static let wrongType: DiagnosticCode = "wrong-type"
    public static let invalidValue: DiagnosticCode = "invalid-value"
    public static let unknownStageType: DiagnosticCode = "unknown-type"
    public static let duplicateStage: DiagnosticCode = "duplicate-id"
    public static let unknownInput: DiagnosticCode = "unknown-input"
    public static let cycle: DiagnosticCode = "cycle"
    public static let kindMismatch: DiagnosticCode = "kind-mismatch"
    public static let environment: DiagnosticCode = "unset-variable"
    public static let expression: DiagnosticCode = "expression"
    public static let io: DiagnosticCode = "io"
    /// Two files of one `runner apply` whose pipelines have the same name (it labels every metric).
    public static let duplicatePipeline: DiagnosticCode = "duplicate-pipeline"
}

/// An ordered collection of diagnostics, filled by every layer that checks a pipeline so all problems
/// are reported at once.
public struct Diagnostics: Sendable, Error, CustomStringConvertible {
    public private(set) var all: [Diagnostic] = []

    public init(_ diagnostics: [Diagnostic] = []) {
        all = diagnostics
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var isEmpty: Bool { all.isEmpty }

    public mutating func append(_ diagnostic: Diagnostic) {
        all.append(diagnostic)
    }

    public mutating func append(contentsOf other: Diagnostics) {
        all.append(contentsOf: other.all)
    }

    /// Adds an error.
    public mutating func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation?, stage: String? = nil,
        suggestion: String? = nil
    ) {
        append(
            Diagnostic(.error, code: code, message: message, location: location, stage: stage, suggestion: suggestion))
    }

    /// Adds a warning: reported, but the pipeline still runs.
    public mutating func warning(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation?, stage: String? = nil
    ) {
        append(Diagnostic(.warning, code: code, message: message, location: location, stage: stage))
    }

    /// Every diagnostic with `stage` set where it was not yet.
    public func attributed(to stage: String) -> Diagnostics {
        Diagnostics(
            all.map {
                var d = $0
                d.stage = d.stage ?? stage
                return d
            })
    }

    /// The diagnostics sorted by file, line and column, one per line.
    public var description: String {
        sorted.map(\.description).joined(separator: "\n")
    }

    /// The diagnostics in file order.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { a, b in
            let l = a.element.location
            let r = b.element.location
            switch (l, r) {
            case (let l?, let r?):
                if l.file != r.file { return l.file < r.file }
                if l.line != r.line { return l.line < r.line }
                if l.column != r.column { return l.column < r.column }
                return a.offset < b.offset
            case (nil, _?): return false
            case (_?, nil): return true
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
    }
}
