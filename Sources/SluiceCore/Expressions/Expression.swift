/// A compiled expression: a filter condition, an enrich value, a generated field or a metric argument.
///
/// Expressions are parsed and type-checked once, when the pipeline compiles (`compile`), and then
/// evaluated per event without parsing or allocating for numbers, bools and field reads. The language
/// is described in docs/expressions.md.
public struct Expression: Sendable, Equatable, CustomStringConvertible {
    /// The text the expression was compiled from.
    public let source: String
    /// The type the checker inferred; `any` when it depends on the event.
    public let staticType: ValueType
    /// The functions the expression was allowed to call.
    public let functions: FunctionSet
    /// The value, when the expression is a constant (`42`, `"a" + "b"`, `[1, 2]`).
    public let constantValue: Value?
    /// Where the expression starts in the pipeline file.
    public let location: SourceLocation
    /// Likely mistakes that do not stop the pipeline (`status >= "500"`), at their positions.
    public let warnings: Diagnostics
    /// The name, when the whole expression is one plain word read as a field (`hello`, not `user.id` or
    /// `` `hello` ``): a field that may not exist, where a string may have been meant.
    public let bareWord: String?
    // Stored directly (not through a CompiledNode) so inlined callers reach the closures in one load.
    @usableFromInline let evaluator: @Sendable (Event, inout EvaluationContext) -> Value
    @usableFromInline let condition: @Sendable (Event, inout EvaluationContext) -> Bool

    /// Parses and checks `source`, which starts at `location` in the pipeline file; errors are
    /// `.expression` diagnostics at the exact line and column of the offending token, all of them.
    /// Each range of `literals` (Unicode scalar offsets of text substituted from the environment) reads as
    /// one literal value.
    public static func compile(
        _ source: String, at location: SourceLocation, functions: FunctionSet = .standard,
        literals: [Range<Int>] = []
    ) -> Result<Expression, Diagnostics> {
        compile(source, at: TextPositions(startingAt: location), functions: functions, literals: literals)
    }

    /// Like `compile(_:at:functions:literals:)`, for text whose scalars were written at `positions`.
    public static func compile(
        _ source: String, at positions: TextPositions, functions: FunctionSet = .standard,
        literals: [Range<Int>] = []
    ) -> Result<Expression, Diagnostics> {
        let text = ExpressionText(source, at: positions)
        var parser = ExpressionParser(text.scalars, literals: literals)
        let syntax = parser.parseComplete()
        return build(syntax, in: text, source: source, functions: functions, syntaxErrors: parser.errors)
    }

    /// Checks and builds `syntax`, a node of `text`, reporting `syntaxErrors` with the checker's errors;
    /// `source` defaults to the node's own text.
    static func build(
        _ syntax: SyntaxNode, in text: ExpressionText, source: String? = nil, functions: FunctionSet,
        syntaxErrors: [ExpressionError] = []
    ) -> Result<Expression, Diagnostics> {
        var compiler = ExpressionCompiler(functions: functions, text: text)
        let root = compiler.compile(syntax)
        let errors = syntaxErrors + compiler.errors
        guard errors.isEmpty else { return .failure(text.diagnostics(for: errors)) }
        let written = text.slice(syntax)
        var bareWord: String?
        if case .field(let path) = syntax.kind, path.tail.isEmpty, written == path.head.string {
            bareWord = written
        }
        return .success(
            Expression(
                source: source ?? written, root: root, functions: functions, location: text.location(at: syntax.start),
                warnings: text.diagnostics(for: compiler.warnings, severity: .warning), bareWord: bareWord))
    }

    private init(
        source: String, root: CompiledNode, functions: FunctionSet, location: SourceLocation, warnings: Diagnostics,
        bareWord: String?
    ) {
        self.source = source
        self.functions = functions
        self.location = location
        self.warnings = warnings
        self.bareWord = bareWord
        staticType = root.type
        constantValue = root.constant
        evaluator = root.evaluate
        condition = root.test
    }

    /// The expression's value for `event`; a missing field reads as null.
    @inlinable
    public func evaluate(_ event: Event, context: inout EvaluationContext) -> Value {
        evaluator(event, &context)
    }

    /// True when the expression's value for `event` is the bool `true` (null and non-bools are false).
    @inlinable
    public func isTrue(_ event: Event, context: inout EvaluationContext) -> Bool {
        condition(event, &context)
    }

    /// Two expressions are equal when they have the same text and function set.
    public static func == (lhs: Expression, rhs: Expression) -> Bool {
        lhs.source == rhs.source && lhs.functions == rhs.functions
    }

    public var description: String { source }
}

/// The source text of an expression and where it was written in the pipeline file, mapping token offsets
/// to file positions.
struct ExpressionText {
    let scalars: [Unicode.Scalar]
    let positions: TextPositions

    init(_ source: String, at positions: TextPositions) {
        scalars = Array(source.unicodeScalars)
        self.positions = positions
    }

    /// The file position of scalar `offset`. For text said to run along a line that nonetheless holds a
    /// newline (an expression not from a pipeline file), later lines are taken to start at the first
    /// line's column.
    func location(at offset: Int) -> SourceLocation {
        guard let origin = positions.startOfRun else { return positions.location(at: offset) }
        var line = origin.line
        var lineStart = 0
        for index in 0..<min(offset, scalars.count) where scalars[index] == "\n" {
            line += 1
            lineStart = index + 1
        }
        return SourceLocation(file: origin.file, line: line, column: origin.column + offset - lineStart)
    }

    /// The most errors reported for one expression; a generated expression can have thousands, and the
    /// first ones are what a user fixes.
    static let maximumReportedErrors = 20

    func diagnostics(for errors: [ExpressionError], severity: Diagnostic.Severity = .error) -> Diagnostics {
        var diagnostics = Diagnostics()
        for error in errors.prefix(Self.maximumReportedErrors) {
            diagnostics.append(
                Diagnostic(
                    severity, code: .expression, message: error.message, location: location(at: error.offset),
                    suggestion: error.suggestion))
        }
        if errors.count > Self.maximumReportedErrors {
            let more = errors[Self.maximumReportedErrors]
            diagnostics.append(
                Diagnostic(
                    severity, code: .expression,
                    message:
                        "\(errors.count - Self.maximumReportedErrors) more \(severity.rawValue)s in this expression",
                    location: location(at: more.offset)))
        }
        return diagnostics
    }

    /// The text of `node`.
    func slice(_ node: SyntaxNode) -> String {
        let end = min(max(node.start, node.end), scalars.count)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[min(node.start, end)..<end])
        return String(view)
    }
}
