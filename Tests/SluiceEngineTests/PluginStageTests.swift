import SluiceCore
import SluiceEngine
import SluiceTesting
import Testing

/// A stage registered from values — as a process or WebAssembly plugin will be, its kind known only when
/// its description is read — compiles and runs like a built-in, and a plugin whose config reader and
/// factory disagree fails to start with a typed error instead of crashing the engine.
@Suite struct PluginStageTests {
    /// The options of the `shout` plugin: which field to upper-case.
    struct ShoutConfig: StageConfig {
        var field: FieldName

        init?(reading reader: inout OptionsReader) {
            guard let name = reader.requiredString("field") else { return nil }
            field = FieldName(name)
        }
    }

    /// A config of another type than the one the `shout` reader returns.
    struct OtherConfig: StageConfig {
        init?(reading reader: inout OptionsReader) {}
    }

    /// Upper-cases one string field of every event.
    final class Shout: Processor {
        let field: FieldName
        init(field: FieldName) { self.field = field }

        func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
            for index in batch.events.indices {
                if case .string(let text) = batch.events[index][field] {
                    batch.events[index][field] = .string(text.uppercased())
                }
            }
            output.emit(batch)
        }
    }

    /// The `shout` transform described by values; `factory` builds it.
    private func shout(factory: ProcessorFactory) -> StageRegistry.Entry {
        StageRegistry.Entry(
            typeName: "shout", summary: "Upper-cases a field.", options: [OptionDoc("field", "field", "The field.")],
            example: "", readConfig: { reader in ShoutConfig(reading: &reader) }, factory: .transform(factory))
    }

    private func pipeline(probe: String) -> String {
        """
        name: plugin
        sources:
          numbers: { type: test_source, count: 30, keys: 3 }
        transforms:
          loud: { type: shout, inputs: [numbers], field: key }
        sinks:
          out: { type: test_sink, inputs: [loud], probe: \(probe) }
        """
    }

    @Test func aStageRegisteredFromValuesRunsLikeABuiltIn() throws {
        var registry = StageRegistry()
        try registry.register(
            shout(factory: ProcessorFactory { (config: ShoutConfig, _) in Shout(field: config.field) }))
        let probe = "shout-\(UInt64.random(in: 0...UInt64.max))"
        _ = try PipelineHarness(registry: registry).run(pipeline(probe: probe))
        let keys = Set(TestSink.events(probe).compactMap { $0[FieldName("key")]?.stringValue })
        #expect(keys == ["K0", "K1", "K2"])
        #expect(TestSink.events(probe).count == 30)
    }

    @Test func aPluginWhoseReaderAndFactoryDisagreeFailsToStartNamingTheStage() throws {
        var registry = StageRegistry()
        try registry.register(
            shout(factory: ProcessorFactory { (_: OtherConfig, _) in Shout(field: FieldName("key")) }))
        let graph = try PipelineHarness(registry: registry).compile(pipeline(probe: "never")).get()
        let engine = Engine(options: EngineOptions(workers: 1))
        defer { engine.shutdown() }
        let error = #expect(throws: EngineError.self) { try engine.start(graph) }
        guard case .cannotStart(let pipeline, let stage, let underlying)? = error else {
            Issue.record("expected cannotStart, got \(String(describing: error))")
            return
        }
        #expect(pipeline == "plugin")
        #expect(stage == "loud")
        #expect(underlying is ConfigTypeMismatch)
    }
}
