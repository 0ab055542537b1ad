import SluiceCore
import Testing

/// The registry's contract: a name is unique within a kind, a type's kind is the kind of the runtime it
/// builds, and a stage described by values (a plugin) goes through the same checks as a Swift type.
@Suite struct StageRegistryTests {
    /// A config with one optional option, `label`.
    struct LabelConfig: ProcessorConfig, SourceConfig {
        var label: String?

        init?(reading reader: inout OptionsReader) {
            label = reader.string("label")
        }

        func makeProcessor(context: StageContext) throws -> any Processor { Discard() }
        func makeSource(context: StageContext) throws -> any Source { Silent() }
    }

    /// A config of another type, to pair a reader with a factory that does not build from it.
    struct OtherConfig: ProcessorConfig {
        init?(reading reader: inout OptionsReader) {}
        func makeProcessor(context: StageContext) throws -> any Processor { Discard() }
    }

    final class Discard: Processor {
        func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {}
    }

    final class Silent: Source {
        func run(output: any SourceOutput) throws {}
    }

    enum NamedSink: SinkStage {
        typealias Config = LabelConfig
        static let typeName = "named"
        static let summary = "A sink."
        static let options = [OptionDoc("label", "string", default: "none", "A label.")]
        static let example = ""
    }

    enum OtherNamedSink: SinkStage {
        typealias Config = OtherConfig
        static let typeName = "named"
        static let summary = "Another sink with the same name."
        static let options: [OptionDoc] = []
        static let example = ""
    }

    enum NamedSource: SourceStage {
        typealias Config = LabelConfig
        static let typeName = "named"
        static let summary = "A source with the sink's name."
        static let options: [OptionDoc] = []
        static let example = ""
    }

    private func reader() -> OptionsReader {
        let at = SourceLocation(file: "p.yaml", line: 1, column: 1)
        return OptionsReader(ConfigNode(.map([]), at: at), stage: "s")
    }

    private func context() -> StageContext {
        StageContext(pipeline: "p", stage: "s", log: StageLog(pipeline: "p", stage: "s"))
    }

    @Test func aSecondTypeUnderATakenNameAndKindIsRefusedAndTheFirstStays() throws {
        var registry = StageRegistry()
        try registry.register(NamedSink.self)
        #expect(throws: StageRegistryError.duplicate(typeName: "named", kind: .sink)) {
            try registry.register(OtherNamedSink.self)
        }
        #expect(registry.entry(named: "named", kind: .sink)?.summary == "A sink.")
        #expect(registry.all.count == 1)
    }

    @Test func theDuplicateErrorNamesTheTypeAndItsKind() {
        let error = StageRegistryError.duplicate(typeName: "file", kind: .sink)
        #expect(error.description == "a sink type named 'file' is registered already")
    }

    @Test func oneNameMayServeSeveralKinds() throws {
        var registry = StageRegistry()
        try registry.register(NamedSink.self)
        try registry.register(NamedSource.self)
        #expect(registry.entry(named: "named", kind: .source)?.kind == .source)
        #expect(registry.entry(named: "named", kind: .sink)?.kind == .sink)
        #expect(registry.names(of: .transform).isEmpty)
    }

    @Test func aStageKindIsTheKindItsProtocolImplies() {
        #expect(NamedSink.kind == .sink)
        #expect(NamedSource.kind == .source)
        guard case .sink = NamedSink.factory else {
            Issue.record("a SinkStage must build through a sink factory")
            return
        }
    }

    @Test func anEntryFromValuesIsCheckedLikeAType() throws {
        var registry = StageRegistry()
        try registry.register(NamedSink.self)
        let plugin = StageRegistry.Entry(
            typeName: "named", summary: "A plugin sink.", options: [], example: "",
            readConfig: { reader in LabelConfig(reading: &reader) },
            factory: .sink(ProcessorFactory { (_: LabelConfig, _) in Discard() }))
        #expect(plugin.kind == .sink)
        #expect(throws: StageRegistryError.duplicate(typeName: "named", kind: .sink)) {
            try registry.register(plugin)
        }
    }

    @Test func anEntryFromValuesTakesItsKindFromItsFactory() throws {
        var registry = StageRegistry()
        try registry.register(
            StageRegistry.Entry(
                typeName: "plugin", summary: "A plugin transform.", options: [], example: "",
                readConfig: { reader in LabelConfig(reading: &reader) },
                factory: .transform(.building(LabelConfig.self))))
        let entry = try #require(registry.entry(named: "plugin", kind: .transform))
        var reader = reader()
        let config = try #require(entry.readConfig(&reader))
        guard case .transform(let factory) = entry.factory else {
            Issue.record("a transform entry must build through a transform factory")
            return
        }
        #expect(try factory.make(config, context: context()) is Discard)
    }

    @Test func aFactoryGivenAConfigOfAnotherTypeThrowsInsteadOfCrashing() throws {
        var reader = reader()
        let other = try #require(OtherConfig(reading: &reader))
        let factory = SourceFactory.building(LabelConfig.self)
        let mismatch = #expect(throws: ConfigTypeMismatch.self) { try factory.make(other, context: context()) }
        #expect(mismatch?.expected.hasSuffix("LabelConfig") == true)
        #expect(mismatch?.found.hasSuffix("OtherConfig") == true)
    }
}
