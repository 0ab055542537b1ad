import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct BlackholeSinkTests {
    @Test func discardsEverythingWithoutDropsOrOutput() throws {
        let (config, diagnostics) = loadConfig(BlackholeSink.self, yaml: "type: blackhole\ninputs: [a]")
        #expect(diagnostics.isEmpty)
        let batch = EventBatch(events: Array(repeating: Event(["x": 1]), count: 1000))
        let run = try ProcessorHarness(try #require(config)).run([batch, batch])
        #expect(run.events().isEmpty)
        #expect(run.drops.isEmpty)
        #expect(run.bytesWritten == 0)
    }

    @Test func rejectsAnyOption() {
        let (config, diagnostics) = loadConfig(BlackholeSink.self, yaml: "type: blackhole\npath: x")
        #expect(config == nil)
        #expect(diagnostics.lines == ["test.yaml:2:1: error: stage 'id': unknown option 'path' [unknown-field]"])
    }

    @Test func exampleDecodes() throws {
        let example = try #require(loadExample(BlackholeSink.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config != nil)
        #expect(example.askedKeys.isEmpty && BlackholeSink.options.isEmpty)
    }
}
