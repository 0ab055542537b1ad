import SluiceConfig
import SluiceCore
import Testing

/// Reading YAML through libyaml's event stream: positions, refused features, limits and syntax errors.
@Suite struct YAMLDocumentTests {
    func read(_ text: String, environment: [String: String] = [:], limits: ConfigLimits = .standard) -> YAMLDocument {
        YAMLDocument(bytes: Array(text.utf8), file: "p.yaml", environment: environment, limits: limits)
    }

    func messages(_ document: YAMLDocument) -> [String] {
        document.diagnostics.sorted.map(\.description)
    }

    /// Every node of the tree, counted without recursion.
    func nodeCount(_ root: ConfigNode?) -> Int {
        var pending = root.map { [$0] } ?? []
        var count = 0
        while let node = pending.popLast() {
            count += 1
            switch node.content {
            case .scalar: break
            case .list(let items): pending += items
            case .map(let entries): pending += entries.map(\.value)
            }
        }
        return count
    }

    @Test func everyNodeKeepsItsLineAndColumn() throws {
        let document = read(
            """
            sources:
              events:
                type: file
                paths: [a, "b"]
            """)
        #expect(document.diagnostics.isEmpty)
        let events = try #require(document.root?["sources"]?["events"])
        #expect(events.location == SourceLocation(file: "p.yaml", line: 3, column: 5))
        #expect(events["type"]?.location == SourceLocation(file: "p.yaml", line: 3, column: 11))
        let paths = try #require(events["paths"]?.items)
        #expect(paths.map(\.location.column) == [13, 16])
        #expect(paths.map(\.content) == [.scalar("a", quoted: false), .scalar("b", quoted: true)])
        #expect(events.entries?.map(\.keyLocation.line) == [3, 4])
    }

    @Test func emptyTextIsAnEmptyMapping() {
        #expect(read("").root == ConfigNode(.map([]), at: SourceLocation(file: "p.yaml", line: 1, column: 1)))
        #expect(read("# only a comment\n").root?.entries?.isEmpty == true)
    }

    @Test func aliasBombIsRefusedAtEachAliasWithoutExpanding() {
        // Nine levels of nine aliases: expanded, 9^9 (387 million) strings.
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        let names = Array("abcdefghi").map(String.init)
        for level in 1..<9 {
            let items = Array(repeating: "*\(names[level - 1])", count: 9).joined(separator: ",")
            lines.append("\(names[level]): &\(names[level]) [\(items)]")
        }
        let document = read(lines.joined(separator: "\n"))
        let aliases = document.diagnostics.all.filter { $0.message.hasPrefix("YAML aliases") }
        #expect(aliases.count == 72)
        #expect(aliases.first?.location == SourceLocation(file: "p.yaml", line: 2, column: 8))
        #expect(aliases.first?.code == .yamlUnsupported)
        #expect(document.diagnostics.all.filter { $0.message.hasPrefix("YAML anchors") }.count == 9)
        // Each alias stands for one empty placeholder: the tree is as small as the text.
        #expect(nodeCount(document.root) < 120)
    }

    @Test func anchorsAndAliasesAreErrorsWhereTheyAreWritten() {
        #expect(
            messages(read("a: &x 1\nb: *x\n")) == [
                "p.yaml:1:4: error: YAML anchors ('&x') are not supported; write the value out [yaml-unsupported]",
                "p.yaml:2:4: error: YAML aliases ('*x') are not supported; write the value out [yaml-unsupported]",
            ])
    }

    @Test func nestingBeyondTheLimitStopsWithOneDiagnostic() {
        let depth = 100_000
        let document = read(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(document.root == nil)
        #expect(
            messages(document) == [
                "p.yaml:1:65: error: mappings and lists nest deeper than 64 levels, the limit for a pipeline file "
                    + "[config-limit]"
            ])
    }

    @Test func nestingUpToTheLimitIsAccepted() {
        let depth = ConfigLimits.standard.maxDepth
        let document = read(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(document.diagnostics.isEmpty)
        #expect(nodeCount(document.root) == depth)
    }

    @Test func nodeBudgetStopsAtTheFirstValueOverIt() {
        let document = read("[a, b, c, d, e]", limits: ConfigLimits(maxNodes: 4))
        #expect(document.root == nil)
        #expect(
            messages(document) == [
                "p.yaml:1:11: error: the file holds more than 4 YAML values, the limit for a pipeline file "
                    + "[config-limit]"
            ])
    }

    @Test func textOverTheSizeLimitIsNotParsed() {
        let document = read("# padding\n" + String(repeating: "#", count: 100), limits: ConfigLimits(maxBytes: 64))
        #expect(document.root == nil)
        #expect(
            messages(document) == [
                "p.yaml:1:1: error: the file has more than 64 bytes (64B), the limit for a pipeline file [config-limit]"
            ])
    }

    @Test(arguments: [
        ("sources: [\n", "p.yaml:2:1: error: invalid YAML: did not find expected node content"),
        ("sources:\n  a: { type: file\n  b: 1\n", "p.yaml:3:4: error: invalid YAML: did not find expected ',' or '}'"),
        ("sources:\n  a:\n    type: file\n   path: x\n", "p.yaml:4:4: error: invalid YAML: did not find expected key"),
        ("sources:\n  a: \"unterminated\n", "p.yaml:3:1: error: invalid YAML: found unexpected end of stream"),
        ("sources:\n\tx: 1\n", "p.yaml:2:1: error: invalid YAML: found character that cannot start any token"),
        ("a: \"\\q\"\n", "p.yaml:1:5: error: invalid YAML: found unknown escape character"),
    ])
    func syntaxErrorsPointAtTheirLineAndColumn(text: String, expected: String) {
        let document = read(text)
        #expect(document.root == nil)
        #expect(messages(document).count == 1)
        #expect(messages(document).first?.hasPrefix(expected) == true, "\(messages(document))")
        #expect(document.diagnostics.all.first?.code == .yamlSyntax)
    }

    @Test func syntaxErrorsNameWhereTheEnclosingConstructStarts() {
        #expect(
            messages(read("sources:\n  a: { type: file\n  b: 1\n")).first?.contains(
                "(while parsing a flow mapping at line 2, column 6)") == true)
    }

    @Test func invalidUTF8IsReportedAtItsByte() {
        let document = YAMLDocument(
            bytes: Array("a: 1\nb: x".utf8) + [0xFF], file: "p.yaml", environment: [:])
        #expect(
            messages(document).first?.hasPrefix("p.yaml:2:5: error: invalid YAML: invalid leading UTF-8 octet") == true)
    }

    @Test func duplicateKeyPointsAtTheSecondKeyAndKeepsTheFirstValue() {
        let document = read("a: 1\nb: 2\na: 3\n")
        #expect(
            messages(document) == ["p.yaml:3:1: error: duplicate key 'a' (first written at line 1) [duplicate-key]"])
        #expect(document.root?["a"]?.scalar == "1")
    }

    @Test func mappingKeysMustBeScalars() {
        #expect(
            messages(read("sources:\n  ? [a, b]\n  : 1\n")) == [
                "p.yaml:2:5: error: mapping keys must be scalars [wrong-type]"
            ])
    }

    @Test func coreTagsAreAcceptedAndOthersRefused() {
        let document = read("a: !!str 1\nb: !!int 2\nc: !custom x\n")
        #expect(document.root?["a"]?.content == .scalar("1", quoted: true))
        #expect(document.root?["b"]?.content == .scalar("2", quoted: false))
        #expect(messages(document) == ["p.yaml:3:4: error: YAML tag '!custom' is not supported [yaml-unsupported]"])
    }

    @Test func aSecondDocumentIsAnError() {
        let document = read("a: 1\n---\nb: 2\n")
        #expect(document.root == nil)
        #expect(
            messages(document) == [
                "p.yaml:2:1: error: invalid YAML: a pipeline file holds one document, but another one starts here "
                    + "[yaml-unsupported]"
            ])
    }

    @Test func substitutionsRecordTheirRangesAndWhereTheyAreWritten() throws {
        let document = read(#"path: "${DIR}/x/${FILE:-e.ndjson}""#, environment: ["DIR": "/dätä"])
        let path = try #require(document.root?["path"])
        #expect(path.scalar == "/dätä/x/e.ndjson")
        #expect(path.substitutions.map(\.variable) == ["DIR", "FILE"])
        #expect(path.substitutions.map(\.range) == [0..<5, 8..<16])
        #expect(path.substitutions.map(\.location.column) == [8, 17])
    }

    @Test func keysAreNotSubstituted() {
        #expect(read("${A}: 1\n", environment: ["A": "b"]).root?.entries?.first?.key == "${A}")
    }
}
