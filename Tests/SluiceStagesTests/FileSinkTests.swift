import Foundation
import SluiceCore
import Testing

@testable import SluiceStages

@Suite struct FileSinkTests {
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Builds a file sink from `options` (YAML lines) and runs `batches` through it.
    @discardableResult
    private func write(_ options: String, _ batches: [EventBatch]) throws -> ProcessorRun {
        let (config, diagnostics) = loadConfig(FileSink.self, yaml: "type: file\n" + options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try ProcessorHarness(try #require(config)).run(batches)
    }

    private func batch(_ events: Event...) -> EventBatch {
        EventBatch(events: events)
    }

    @Test func decodesOptionsWithDefaults() {
        let (config, diagnostics) = loadConfig(FileSink.self, yaml: "type: file\ninputs: [a]\npath: out/x.ndjson")
        #expect(diagnostics.isEmpty)
        #expect(config == FileSink.Config(path: "out/x.ndjson", format: .ndjson, fields: nil, append: false))
    }

    @Test func reportsMissingPathAndMisplacedFields() {
        let (config, diagnostics) = loadConfig(
            FileSink.self,
            yaml: """
                type: file
                fields: [a]
                apend: true
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:1: error: stage 'id': missing required option 'path' [missing-field]",
                "test.yaml:2:9: error: stage 'id': option 'fields' applies only to format: csv [invalid-value]",
                "test.yaml:3:1: error: stage 'id': unknown option 'apend'; did you mean 'append'? [unknown-field]",
            ])
    }

    @Test func writesNDJSONThatReadsBackAsTheSameValues() throws {
        let path = directory.file("events.ndjson")
        let events = [
            Event(["id": 1, "text": "line\nbreak \"quoted\" \\ tab\t ü 日本 🎉", "ok": true, "none": nil]),
            Event(["n": -42, "x": 0.25, "big": 1e300, "list": .array([1, "two", .object(Event(["three": 3]))])]),
        ]
        let run = try write("path: \(path)", [EventBatch(events: events)])
        let text = try #require(directory.contents(of: path))
        #expect(run.bytesWritten == text.utf8.count)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["text"] as? String == "line\nbreak \"quoted\" \\ tab\t ü 日本 🎉")
        #expect(first["none"] is NSNull)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["x"] as? Double == 0.25)
        #expect(second["big"] as? Double == 1e300)
        #expect((second["list"] as? [Any])?.count == 3)
        #expect(String(lines[1]) == #"{"n":-42,"x":0.25,"big":1e+300,"list":[1,"two",{"three":3}]}"#)
    }

    @Test func createsMissingParentFolders() throws {
        let path = directory.file("a/b/c/out.ndjson")
        try write("path: \(path)", [batch(Event(["id": 1]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n")
    }

    @Test func truncatesByDefaultAndAppendsWhenAsked() throws {
        let path = directory.file("out.ndjson")
        try directory.write("old line\n", to: path)
        try write("path: \(path)", [batch(Event(["id": 1]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n")
        try write("path: \(path)\nappend: true", [batch(Event(["id": 2]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n{\"id\":2}\n")
    }

    @Test func writesCSVWithHeaderFromFirstEventAndRFC4180Quoting() throws {
        let path = directory.file("out.csv")
        let events = [
            Event(["name": "plain", "note": "has, comma", "n": 1]),
            Event(["name": "say \"hi\"", "note": "two\nlines", "n": 2.5]),
            Event(["note": "carriage\rreturn", "n": nil, "extra": "ignored"]),
            Event(["name": .object(Event(["a": 1, "b": "x,y"])), "note": .array([1, 2]), "n": true]),
        ]
        let batches = [EventBatch(events: Array(events[..<2])), EventBatch(events: Array(events[2...]))]
        try write("path: \(path)\nformat: csv", batches)
        let expected =
            [
                #"name,note,n"#,
                #"plain,"has, comma",1"#,
                #""say ""hi""","two"#,
                #"lines",2.5"#,
                #","carriage\#rreturn","#,
                #""{""a"":1,""b"":""x,y""}","[1,2]",true"#,
            ].joined(separator: "\n") + "\n"
        #expect(directory.contents(of: path) == expected)
    }

    @Test func writesConfiguredCSVColumnsIncludingNestedPaths() throws {
        let path = directory.file("out.csv")
        try write(
            "path: \(path)\nformat: csv\nfields: [id, user.name, \"weird,name\"]",
            [batch(Event(["user": .object(Event(["name": "Ada"])), "id": 7, "other": 1]))])
        #expect(directory.contents(of: path) == "id,user.name,\"weird,name\"\n7,Ada,\n")
    }

    @Test func writesCSVHeaderEvenWithoutEventsWhenColumnsAreKnown() throws {
        let path = directory.file("empty.csv")
        try write("path: \(path)\nformat: csv\nfields: [a, b]", [])
        #expect(directory.contents(of: path) == "a,b\n")
    }

    @Test func doesNotRepeatCSVHeaderWhenAppendingAndKeepsExistingColumns() throws {
        let path = directory.file("out.csv")
        try write("path: \(path)\nformat: csv", [batch(Event(["b": 1, "a": "x"]))])
        try write("path: \(path)\nformat: csv\nappend: true", [batch(Event(["a": "y", "b": 2, "c": 3]))])
        try write("path: \(path)\nformat: csv\nappend: true\nfields: [b, a]", [batch(Event(["a": "z", "b": 3]))])
        #expect(directory.contents(of: path) == "b,a\n1,x\n2,y\n3,z\n")
    }

    @Test func writesCSVHeaderWhenAppendingToAnEmptyFile() throws {
        let path = directory.file("new.csv")
        try write("path: \(path)\nformat: csv\nappend: true", [batch(Event(["a": 1]))])
        #expect(directory.contents(of: path) == "a\n1\n")
    }

    @Test func writesLargeBatchesCompletely() throws {
        let path = directory.file("big.ndjson")
        let events = (0..<20_000).map {
            Event(["id": .int(Int64($0)), "pad": .string(String(repeating: "x", count: 40))])
        }
        let run = try write("path: \(path)", [EventBatch(events: events), EventBatch(events: events)])
        let text = try #require(directory.contents(of: path))
        #expect(text.utf8.count > 2 * EncodingSink<NDJSONEncoder>.flushThreshold)
        #expect(run.bytesWritten == text.utf8.count)
        #expect(text.split(separator: "\n").count == 40_000)
        #expect(text.hasSuffix("{\"id\":19999,\"pad\":\"\(String(repeating: "x", count: 40))\"}\n"))
    }

    @Test func throwsTypedErrorWithStageAndPathWhenWriteFails() throws {
        let (config, _) = loadConfig(FileSink.self, yaml: "path: /dev/full\nappend: true")
        let harness = try ProcessorHarness(try #require(config), stage: "out")
        #expect(throws: SinkIOError(stage: "out", path: "/dev/full", operation: .write, code: ENOSPC)) {
            try harness.run([batch(Event(["id": 1]))])
        }
    }

    @Test func throwsTypedErrorWhenTheFileCannotBeOpened() throws {
        let blocker = directory.file("not-a-folder")
        try directory.write("", to: blocker)
        let (config, _) = loadConfig(FileSink.self, yaml: "path: \(blocker)/out.ndjson")
        let expected = SinkIOError(stage: "out", path: blocker + "/out.ndjson", operation: .open, code: ENOTDIR)
        #expect(throws: expected) {
            try ProcessorHarness(try #require(config), stage: "out")
        }
        let (deeper, _) = loadConfig(FileSink.self, yaml: "path: \(blocker)/sub/out.ndjson")
        let expectedDeeper = SinkIOError(
            stage: "out", path: blocker + "/sub/out.ndjson", operation: .createDirectory, code: ENOTDIR)
        #expect(throws: expectedDeeper) {
            try ProcessorHarness(try #require(deeper), stage: "out")
        }
    }

    @Test func exampleDecodesAndDocumentsEveryOption() throws {
        let example = try #require(loadExample(FileSink.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config?.format == .csv)
        #expect(Set(example.askedKeys) == Set(FileSink.options.map(\.name)))
    }
}
