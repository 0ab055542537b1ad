import SluiceCore
import Testing

/// How `OptionsReader` reads keys: every accessor marks its key as known through one path, and
/// `location(of:)` says where a diagnostic about a key belongs.
@Suite struct OptionsReaderTests {
    private let mappingAt = SourceLocation(file: "p.yaml", line: 3, column: 5)

    /// A mapping of `entries`, entry `i` on line `4 + i`: its key at column 7, its value at column 20.
    private func mapping(_ entries: [(String, ConfigNode.Content)]) -> ConfigNode {
        let built = entries.enumerated().map { index, entry in
            ConfigNode.Entry(
                key: entry.0, keyLocation: SourceLocation(file: "p.yaml", line: 4 + index, column: 7),
                value: ConfigNode(entry.1, at: SourceLocation(file: "p.yaml", line: 4 + index, column: 20)))
        }
        return ConfigNode(.map(built), at: mappingAt)
    }

    /// A value no accessor accepts: a mapping inside a list.
    private let unreadable = ConfigNode.Content.list([
        ConfigNode(.map([]), at: SourceLocation(file: "p.yaml", line: 9, column: 9))
    ])

    private enum Choice: String, CaseIterable { case a, b }

    @Test func everyAccessorMarksItsKeyAsKnownEvenWhenTheValueIsWrong() {
        let accessors: [(String, (inout OptionsReader) -> Void)] = [
            ("string", { _ = $0.string("string") }),
            ("required_string", { _ = $0.requiredString("required_string") }),
            ("choice", { _ = $0.choice("choice", as: Choice.self) }),
            ("int", { _ = $0.int("int") }),
            ("double", { _ = $0.double("double") }),
            ("bool", { _ = $0.bool("bool") }),
            ("duration", { _ = $0.duration("duration") }),
            ("size", { _ = $0.size("size") }),
            ("string_list", { _ = $0.stringList("string_list") }),
            ("field_list", { _ = $0.fieldList("field_list") }),
            ("required_field_list", { _ = $0.requiredFieldList("required_field_list") }),
            ("nested", { _ = $0.nested("nested") }),
            ("named_scalars", { _ = $0.namedScalars("named_scalars") }),
            ("expression", { _ = $0.expression("expression") }),
            ("required_expression", { _ = $0.requiredExpression("required_expression") }),
            ("expressions", { _ = $0.expressions("expressions") }),
            ("file_path", { _ = $0.filePath("file_path") }),
            ("required_file_path", { _ = $0.requiredFilePath("required_file_path") }),
        ]
        var reader = OptionsReader(mapping(accessors.map { ($0.0, unreadable) }), stage: "s")
        for (_, read) in accessors { read(&reader) }
        let diagnostics = reader.finish()
        #expect(reader.knownKeys == accessors.map(\.0))
        #expect(!diagnostics.all.contains { $0.code == .unknownField })
        // Each key's problem is reported, naming the key, where its value (or the bad item) is.
        for (key, _) in accessors {
            #expect(diagnostics.all.contains { $0.message.contains("'\(key)'") }, "nothing reported for \(key)")
        }
        #expect(diagnostics.all.allSatisfy { $0.location?.column == 20 || $0.location?.column == 9 })
    }

    @Test func locationOfPointsAtTheValueOrAtTheMappingWhenTheKeyIsAbsent() {
        let reader = OptionsReader(mapping([("path", .scalar("", quoted: false))]), stage: "s")
        #expect(reader.location(of: "path") == SourceLocation(file: "p.yaml", line: 4, column: 20))
        #expect(reader.keyLocation(of: "path") == SourceLocation(file: "p.yaml", line: 4, column: 7))
        #expect(reader.location(of: "missing") == mappingAt)
        #expect(reader.keyLocation(of: "missing") == mappingAt)
    }

    @Test func lookingAtAKeyDoesNotMarkIt() {
        var reader = OptionsReader(mapping([("pth", .scalar("x", quoted: false))]), stage: "s")
        #expect(reader.contains("pth"))
        _ = reader.location(of: "pth")
        _ = reader.requiredString("path")
        let diagnostics = reader.finish()
        #expect(diagnostics.all.map(\.message) == ["missing required option 'path'", "unknown option 'pth'"])
        #expect(diagnostics.all.last?.suggestion == "path")
    }

    @Test func namedScalarsKeepWhereEachNameIsWritten() throws {
        let inner = mapping([("count", .scalar("count()", quoted: false))])
        var reader = OptionsReader(mapping([("metrics", inner.content)]), stage: "s")
        let entry = try #require(reader.namedScalars("metrics")?.first)
        #expect(entry.name == "count")
        #expect(entry.nameLocation == SourceLocation(file: "p.yaml", line: 4, column: 7))
        #expect(entry.text == "count()")
    }
}
