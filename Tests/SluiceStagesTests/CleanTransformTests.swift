import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct CleanTransformTests {
    private func clean(_ value: Value, _ options: String) throws -> Value? {
        let (config, diagnostics) = loadConfig(CleanTransform.self, yaml: "type: clean\nfields: [name]\n" + options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let run = try ProcessorHarness(try #require(config)).run([Event(["name": value])])
        return run.events().first?["name"]
    }

    @Test func decodesOptionsWithDefaults() {
        let (config, diagnostics) = loadConfig(
            CleanTransform.self,
            yaml: """
                type: clean
                inputs: [events]
                fields: [category, user.name]
                trim: true
                uppercase: true
                """)
        #expect(diagnostics.isEmpty)
        #expect(config?.fields == [FieldPath("category")!, FieldPath("user.name")!])
        #expect(config?.cleaner == TextCleaner(trim: true, collapseWhitespace: false, caseMapping: .upper))
        #expect(config?.isStateless == true)
    }

    @Test func reportsUnknownOptionWithSuggestionAndPosition() {
        let (config, diagnostics) = loadConfig(
            CleanTransform.self,
            yaml: """
                type: clean
                fields: [category]
                lowercse: true
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:3:1: error: stage 'id': unknown option 'lowercse'; did you mean 'lowercase'? [unknown-field]"
            ])
    }

    @Test func rejectsLowercaseTogetherWithUppercase() {
        let (config, diagnostics) = loadConfig(
            CleanTransform.self,
            yaml: """
                type: clean
                fields: [category]
                lowercase: true
                uppercase: true
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:4:12: error: stage 'id': options 'lowercase' and 'uppercase' cannot both be true "
                    + "[invalid-value]"
            ])
    }

    @Test func requiresFields() {
        let (config, diagnostics) = loadConfig(CleanTransform.self, yaml: "type: clean\ntrim: true\n")
        #expect(config == nil)
        #expect(
            diagnostics.lines == ["test.yaml:1:1: error: stage 'id': missing required option 'fields' [missing-field]"])
    }

    @Test func rejectsBadFieldPathAndNonBoolean() {
        let (config, diagnostics) = loadConfig(
            CleanTransform.self,
            yaml: """
                fields: [ok, "a..b"]
                trim: yes please
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:14: error: stage 'id': 'a..b' is not a field name or dotted path [invalid-value]",
                "test.yaml:2:7: error: stage 'id': option 'trim' must be true or false, found 'yes please' "
                    + "[wrong-type]",
            ])
    }

    @Test func trimsAndLowercasesUnicode() throws {
        #expect(try clean("  ÉCOLE  ", "trim: true\nlowercase: true") == "école")
        #expect(try clean("İstanbul", "lowercase: true") == .string("i\u{307}stanbul"))
        #expect(try clean("STRAẞE", "lowercase: true") == "straße")
        #expect(try clean("straße", "uppercase: true") == "STRASSE")
    }

    @Test func trimsEveryUnicodeWhitespace() throws {
        #expect(try clean("\u{A0}\u{3000} café \u{2003}\t\u{A0}", "trim: true") == "café")
        #expect(try clean("\u{A0}Books\u{3000}", "trim: true") == "Books")
        #expect(try clean("\r\n\u{85}x\u{2028}", "trim: true") == "x")
    }

    @Test func collapsesWhitespaceRunsToOneSpace() throws {
        #expect(try clean("a \t\n b\u{A0}\u{3000}c", "collapse_whitespace: true") == "a b c")
        #expect(try clean("  board   games ", "collapse_whitespace: true") == " board games ")
        #expect(
            try clean("  Board \t Games  ", "collapse_whitespace: true\ntrim: true\nlowercase: true") == "board games")
        #expect(try clean("  Café \u{3000} Noir  ", "collapse_whitespace: true\ntrim: true") == "Café Noir")
    }

    @Test func leavesNonStringsAndMissingFieldsAlone() throws {
        let (config, _) = loadConfig(CleanTransform.self, yaml: "fields: [n, gone, user.name]\ntrim: true")
        let event = Event(["n": 42, "user": .object(Event(["name": " Ada "])), "tags": .array([" x "])])
        let run = try ProcessorHarness(try #require(config)).run([event])
        #expect(run.events() == [Event(["n": 42, "user": .object(Event(["name": "Ada"])), "tags": .array([" x "])])])
    }

    @Test func keepsEventsAndBatchShape() throws {
        let (config, _) = loadConfig(CleanTransform.self, yaml: "fields: [c]\nlowercase: true")
        let batch = EventBatch(events: [Event(["c": "A", "v": 1]), Event(["v": 2]), Event(["c": "b"])], byteCount: 30)
        let run = try ProcessorHarness(try #require(config)).run([batch])
        #expect(run.batches[0].map(\.byteCount) == [30])
        #expect(run.events() == [Event(["c": "a", "v": 1]), Event(["v": 2]), Event(["c": "b"])])
    }

    @Test func exampleDecodesAndDocumentsEveryOption() throws {
        let example = try #require(loadExample(CleanTransform.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config != nil)
        #expect(Set(example.askedKeys) == Set(CleanTransform.options.map(\.name)))
    }
}

@Suite struct TextCleanerTests {
    private let full = TextCleaner(trim: true, collapseWhitespace: true, caseMapping: .lower)

    @Test func asciiFastPathCleansMixedCaseAndStraySpaces() {
        #expect(full.clean("  Books ") == "books")
        #expect(full.clean("BOARD\t\tGAMES") == "board games")
        #expect(full.clean("   ") == "")
        #expect(full.clean("") == "")
        #expect(full.clean("a long category name over fifteen BYTES  ") == "a long category name over fifteen bytes")
        #expect(TextCleaner(caseMapping: .upper).clean("Mixed case 123 [x]") == "MIXED CASE 123 [X]")
        #expect(TextCleaner(caseMapping: .lower).clean("@[`{Z") == "@[`{z")
    }

    @Test func reportsNoChangeForCleanText() {
        #expect(full.cleanedIfChanged("books") == nil)
        #expect(full.cleanedIfChanged("board games") == nil)
        #expect(full.cleanedIfChanged("école") == nil)
        #expect(TextCleaner().cleanedIfChanged("  Anything  ") == nil)
        #expect(TextCleaner(collapseWhitespace: true).cleanedIfChanged("a\tb") == "a b")
    }

    @Test func returnsTheSameStringWhenNothingChanges() {
        let text = "a long category name that is not small"
        let cleaned = full.clean(text)
        let sameStorage = text.utf8.withContiguousStorageIfAvailable { a in
            cleaned.utf8.withContiguousStorageIfAvailable { b in a.baseAddress == b.baseAddress }
        }
        #expect(sameStorage == true)
    }

    @Test func unicodePathMatchesSplitJoinAndLowercase() {
        let samples = [
            "  Ärger  im   Büro ", "\u{3000}ΣΊΣΥΦΟΣ\u{A0}", "e\u{301}COLE", "日本　語", "x\u{2009}y",
        ]
        for sample in samples {
            let words = sample.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(full.clean(sample) == words.lowercased())
        }
    }
}
