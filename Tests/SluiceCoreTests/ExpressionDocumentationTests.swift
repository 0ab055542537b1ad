import Testing

@testable import SluiceCore

/// docs/expressions.md is executable: each line of its ```examples blocks, `expression ⇒ result`, is
/// evaluated against the document's example event and must give the stated result (JSON), or fail to
/// compile with the stated error; and every function has at least one example.
@Suite struct ExpressionDocumentationTests {
    let document: ExpressionDocument

    init() throws {
        document = try ExpressionDocument.load()
    }

    @Test func everyExampleGivesItsStatedResult() throws {
        #expect(document.examples.count > 100)
        for example in document.examples {
            let compiled = Expression.compile(example.source, at: expressionOrigin, functions: .generators)
            switch (example.expected, compiled) {
            case (.value(let expected), .success(let expression)):
                var context = EvaluationContext(seed: 1, clock: .fixed(1_700_000_000_000))
                let value = expression.evaluate(document.event, context: &context)
                #expect(value == expected, "docs/expressions.md line \(example.line): \(example.source)")
            case (.error(let message), .failure(let diagnostics)):
                #expect(
                    diagnostics.all.contains { $0.message.contains(message) },
                    "docs/expressions.md line \(example.line): \(diagnostics)")
            case (.value, .failure(let diagnostics)):
                Issue.record("docs/expressions.md line \(example.line) does not compile: \(diagnostics)")
            case (.error, .success):
                Issue.record("docs/expressions.md line \(example.line) compiles, but is documented as an error")
            }
        }
    }

    @Test func everyFunctionHasAnExample() {
        let sources = document.examples.map(\.source)
        for name in BuiltinFunctions.all.keys.sorted() {
            #expect(sources.contains { $0.contains("\(name)(") }, "no example of \(name)() in docs/expressions.md")
        }
    }
}

/// The examples of docs/expressions.md and the event they are evaluated against.
struct ExpressionDocument {
    /// What an example says it gives.
    enum Expected {
        case value(Value)
        /// A compile error whose message contains this text.
        case error(String)
    }

    struct Example {
        var line: Int
        var source: String
        var expected: Expected
    }

    var event = Event()
    var examples: [Example] = []

    static func load() throws -> ExpressionDocument {
        var path = #filePath
        while !path.isEmpty {
            path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if case .success = TextFile.readBytes(path + "/Package.swift", limit: 1) { break }
        }
        let text = try TextFile.read(path + "/docs/expressions.md").get()
        return try ExpressionDocument(markdown: text)
    }

    init(markdown: String) throws {
        var block: String?
        var eventText = ""
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if block == nil {
                    block = String(line.dropFirst(3))
                } else {
                    block = nil
                }
                continue
            }
            switch block {
            case "json example-event": eventText += line + "\n"
            case "examples":
                guard !line.trimmed.isEmpty else { continue }
                examples.append(try Self.example(String(line), line: index + 1))
            default: break
            }
        }
        var reader = JSONReader()
        event = try reader.readEvent(eventText)
    }

    private static func example(_ line: String, line number: Int) throws -> Example {
        let parts = line.split(separator: "⇒", maxSplits: 1)
        guard parts.count == 2 else { throw DocumentError(line: number, message: "expected 'expression ⇒ result'") }
        let source = String(parts[0].trimmed)
        let result = String(parts[1].trimmed)
        if result.hasPrefix("error: ") {
            return Example(line: number, source: source, expected: .error(String(result.dropFirst(7))))
        }
        var reader = JSONReader()
        return Example(line: number, source: source, expected: .value(try reader.readValue(result)))
    }

    struct DocumentError: Error {
        var line: Int
        var message: String
    }
}

extension Substring {
    /// The text without leading and trailing spaces.
    fileprivate var trimmed: Substring {
        guard let first = firstIndex(where: { $0 != " " }), let last = lastIndex(where: { $0 != " " }) else {
            return ""
        }
        return self[first...last]
    }
}
