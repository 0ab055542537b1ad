import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct StdoutSinkTests {
    /// Runs `batches` through a stdout sink of `format` writing to a temporary file instead of fd 1.
    private func output(format: String, _ batches: [EventBatch]) throws -> (text: String, run: ProcessorRun) {
        let (config, diagnostics) = loadConfig(StdoutSink.self, yaml: "type: stdout\nformat: \(format)")
        #expect(diagnostics.isEmpty)
        let directory = try TemporaryDirectory()
        let path = directory.file("out")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let log = StageLog(pipeline: "test", stage: "id")
        let sink = StdoutSink(config: try #require(config), fd: fd, path: path, log: log, shutdown: ShutdownSignal())
        let run = try ProcessorHarness(processor: sink, log: log).run(batches)
        return (try #require(directory.contents(of: path)), run)
    }

    private let events = [
        Event(["id": 1, "message": "hello \"world\"", "tags": .array(["a", "b"])]),
        Event(["id": 2, "nested": .object(Event(["x": 1.5, "empty": .object(Event())])), "list": .array([])]),
    ]

    @Test func defaultsToNDJSON() {
        let (config, diagnostics) = loadConfig(StdoutSink.self, yaml: "type: stdout\ninputs: [x]")
        #expect(diagnostics.isEmpty)
        #expect(config == StdoutSinkConfig(format: .ndjson))
    }

    @Test func writesOneCompactObjectPerLine() throws {
        let (text, run) = try output(format: "ndjson", [EventBatch(events: events)])
        let expected = """
            {"id":1,"message":"hello \\"world\\"","tags":["a","b"]}
            {"id":2,"nested":{"x":1.5,"empty":{}},"list":[]}

            """
        #expect(text == expected)
        #expect(run.bytesWritten == expected.utf8.count)
        #expect(run.events().isEmpty)
    }

    @Test func writesPrettyPrintedObjectsForJSON() throws {
        let (text, _) = try output(format: "json", [EventBatch(events: events)])
        let expected = """
            {
              "id": 1,
              "message": "hello \\"world\\"",
              "tags": [
                "a",
                "b"
              ]
            }
            {
              "id": 2,
              "nested": {
                "x": 1.5,
                "empty": {}
              },
              "list": []
            }

            """
        #expect(text == expected)
    }

    @Test func prettyPrintingLeavesPunctuationInsideStringsAlone() throws {
        let tricky = Event(["k: {[,]}": "a,b:{c}[d] \\\" x"])
        let (text, _) = try output(format: "json", [EventBatch(events: [tricky])])
        #expect(text == "{\n  \"k: {[,]}\": \"a,b:{c}[d] \\\\\\\" x\"\n}\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(parsed == ["k: {[,]}": "a,b:{c}[d] \\\" x"])
    }

    @Test func writesMessageAsTextOrTheEventAsJSON() throws {
        let batch = EventBatch(events: [
            Event(["message": "plain text", "id": 1]), Event(["message": 42]), Event(["id": 3]),
        ])
        let (text, _) = try output(format: "text", [batch])
        #expect(text == "plain text\n42\n{\"id\":3}\n")
    }

    /// A reader that went away is permanent: the sink fails for good instead of dropping batch after batch.
    @Test func failsForGoodWhenTheReaderGoesAway() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        signal(SIGPIPE, SIG_IGN)
        let log = StageLog(pipeline: "test", stage: "id")
        let sink = StdoutSink(
            config: StdoutSinkConfig(format: .ndjson), fd: fds[1], path: "<stdout>", log: log,
            shutdown: ShutdownSignal())
        let failure = #expect(throws: StageFailure.self) {
            _ = try ProcessorHarness(processor: sink, log: log).run([EventBatch(events: events)], finishing: false)
        }
        #expect(failure?.message == "the reader of '<stdout>' went away (broken pipe)")
    }

    @Test func rejectsUnknownFormatWithSuggestion() {
        let (config, diagnostics) = loadConfig(StdoutSink.self, yaml: "type: stdout\nformat: ndjsn")
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:2:9: error: stage 'id': option 'format' must be one of ndjson, json, text; found 'ndjsn'; "
                    + "did you mean 'ndjson'? [invalid-value]"
            ])
    }

    @Test func exampleDecodesAndDocumentsEveryOption() throws {
        let example = try #require(loadExample(StdoutSink.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config == StdoutSinkConfig(format: .text))
        #expect(Set(example.askedKeys) == Set(StdoutSink.options.map(\.name)))
    }
}
