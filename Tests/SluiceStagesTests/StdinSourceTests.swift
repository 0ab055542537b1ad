import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct StdinSourceTests {
    private func run(_ bytes: [UInt8], _ pairs: [(String, String)]) throws -> CollectingSourceOutput {
        let config = try readConfig(StdinSource.self, pairs).get()
        let pipe = Pipe()
        let source = StdinSource(
            descriptor: pipe.fileHandleForReading.fileDescriptor, name: "<stdin>", config: config,
            log: StageLog(pipeline: "test", stage: "in"))
        let output = CollectingSourceOutput(batchSize: 2)
        let running = RunningSource(source, output: output)
        try pipe.fileHandleForWriting.write(contentsOf: Data(bytes))
        try pipe.fileHandleForWriting.close()
        guard let result = running.wait() else { throw TestFailure("the source did not end with its input") }
        try result.get()
        return output
    }

    @Test func readsNDJSONUntilEndOfInput() throws {
        let output = try run(Array("{\"n\":1}\n{\"n\":2}\nnope\n{\"n\":3}".utf8), [])
        #expect(output.events.map { $0["n"] } == [1, 2, 3])
        #expect(output.rejections.map(\.message).map { $0.prefix(20) } == ["<stdin>:3: malformed"])
    }

    @Test func readsLinesAndCSV() throws {
        let lines = try run(Array("a\nb\n".utf8), [("format", "lines")])
        #expect(lines.events == [Event(["message": "a"]), Event(["message": "b"])])
        let csv = try run(Array("x,y\n1,2\n3\n".utf8), [("format", "csv"), ("max_line_bytes", "64")])
        #expect(csv.events == [Event(["x": 1, "y": 2])])
        #expect(csv.rejections.map(\.message) == ["<stdin>:3: expected 2 columns, found 1"])
    }

    @Test func rejectsTheJSONDocumentFormat() {
        guard case .failure(let diagnostics) = readConfig(StdinSource.self, [("format", "json")]) else {
            Issue.record("accepted format json")
            return
        }
        #expect(diagnostics.all.first?.message == "option 'format' must be one of ndjson, csv, lines; found 'json'")
    }
}
