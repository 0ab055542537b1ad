import SluiceConfig
import SluiceCore
import Testing

/// Loading pipeline files: sections, defaults, positions, environment variables and structural errors.
@Suite struct PipelineLoaderTests {
    func load(_ text: String, environment: [String: String] = [:]) -> Result<PipelineDefinition, Diagnostics> {
        PipelineLoader(environment: environment).load(text: text, file: "pipelines/clicks.yaml")
    }

    func errors(_ text: String, environment: [String: String] = [:]) -> [String] {
        guard case .failure(let diagnostics) = load(text, environment: environment) else {
            Issue.record("expected the file to be rejected")
            return []
        }
        return diagnostics.sorted.map(\.description)
    }

    @Test func readsStagesInFileOrderWithPositionsAndDefaults() throws {
        let definition = try load(
            """
            sources:
              events: { type: file, path: x }
            transforms:
              keep:
                type: filter
                inputs: [events, other.errors]
                parallelism: 3
            sinks:
              out: { type: blackhole, inputs: [keep] }
            """
        ).get()
        #expect(definition.name == "clicks")
        #expect(definition.stages.map(\.id) == ["events", "keep", "out"])
        let keep = definition.stages[1]
        #expect(keep.kind == .transform)
        #expect(keep.typeName == "filter")
        #expect(keep.parallelism == 3)
        #expect(keep.location == SourceLocation(file: "pipelines/clicks.yaml", line: 4, column: 3))
        #expect(keep.typeLocation.line == 5 && keep.typeLocation.column == 11)
        #expect(keep.inputs.map(\.description) == ["events", "other.errors"])
        #expect(keep.inputs[1].stage == "other" && keep.inputs[1].output == "errors")
        #expect(definition.stages[0].parallelism == 1)
    }

    @Test func nameKeyOverridesTheFileStem() throws {
        #expect(
            try load("name: shop\nsources:\n  a: { type: file }\nsinks:\n  o: { type: blackhole, inputs: [a] }\n").get()
                .name == "shop")
    }

    @Test func substitutesVariablesWithDefaultsAndEscapes() throws {
        let definition = try load(
            """
            sources:
              a: { type: file, path: "${DIR}/${FILE:-events.ndjson}", note: "$${literal}" }
            sinks:
              o: { type: blackhole, inputs: [a] }
            """, environment: ["DIR": "/data"]
        ).get()
        let options = definition.stages[0].options
        #expect(options["path"]?.scalar == "/data/events.ndjson")
        #expect(options["note"]?.scalar == "${literal}")
        #expect(options["path"]?.content == .scalar("/data/events.ndjson", quoted: true))
    }

    @Test func unsetVariableIsAnErrorAtItsColumn() {
        #expect(
            errors(
                "sources:\n  a:\n    type: file\n    path: data/${MISSING}/x\nsinks:\n  o: { type: blackhole, inputs: [a] }\n"
            ) == [
                "pipelines/clicks.yaml:4:16: error: environment variable 'MISSING' is not set and has no default [unset-variable]"
            ])
    }

    @Test func structuralMistakesAreAllReported() {
        let found = errors(
            """
            sorces:
              a: { type: file }
            sources:
              b: { path: x }
              c: { type: file, inputs: [a] }
            sinks:
              d: { type: blackhole }
              e: { type: blackhole, inputs: [c], parallelism: zero }
            """)
        #expect(
            found == [
                "pipelines/clicks.yaml:1:1: error: unknown top-level key 'sorces'; did you mean 'sources'? [unknown-field]",
                "pipelines/clicks.yaml:4:3: error: stage 'b': missing required key 'type' [missing-field]",
                "pipelines/clicks.yaml:5:28: error: stage 'c': sources take no 'inputs' [unknown-field]",
                "pipelines/clicks.yaml:7:3: error: stage 'd': missing required key 'inputs' [missing-field]",
                "pipelines/clicks.yaml:8:51: error: stage 'e': 'parallelism' must be a whole number of at least 1 [invalid-value]",
            ])
    }

    @Test func duplicateKeysAndBadYAMLAreRejected() {
        let duplicate = errors(
            "sources:\n  a: { type: file }\n  a: { type: file }\nsinks:\n  o: { type: blackhole, inputs: [a] }\n")
        #expect(duplicate.first?.contains("duplicate key 'a'") == true, "\(duplicate)")
        let syntax = errors("sources: [\n")
        #expect(syntax.count == 1)
        #expect(syntax.first?.contains("error: invalid YAML") == true)
    }

    @Test func emptyInputsIsAnErrorEvenBesideOtherErrors() {
        #expect(
            errors("sorces: {}\nsources:\n  a: { type: file }\nsinks:\n  b: { type: blackhole, inputs: [] }\n") == [
                "pipelines/clicks.yaml:1:1: error: unknown top-level key 'sorces'; did you mean 'sources'? [unknown-field]",
                "pipelines/clicks.yaml:5:33: error: stage 'b': 'inputs' must name at least one stage [missing-field]",
            ])
    }

    @Test func emptyFileHasNoStages() {
        #expect(errors("") == ["pipelines/clicks.yaml:1:1: error: the pipeline has no stages [missing-field]"])
    }
}

/// Durations and sizes as pipeline files write them.
@Suite struct QuantityParsingTests {
    @Test func durations() {
        #expect(ConfigDuration(parsing: "500ms")?.milliseconds == 500)
        #expect(ConfigDuration(parsing: "10s")?.milliseconds == 10_000)
        #expect(ConfigDuration(parsing: "5m")?.milliseconds == 300_000)
        #expect(ConfigDuration(parsing: "1h")?.milliseconds == 3_600_000)
        #expect(ConfigDuration(parsing: "10") == nil)
        #expect(ConfigDuration(parsing: "-1s") == nil)
        #expect(ConfigDuration(parsing: "1.5s") == nil)
        #expect(ConfigDuration(milliseconds: 90_000).description == "90s")
    }

    @Test func sizes() {
        #expect(ConfigSize(parsing: "64KiB")?.bytes == 65_536)
        #expect(ConfigSize(parsing: "10MB")?.bytes == 10_000_000)
        #expect(ConfigSize(parsing: "1GiB")?.bytes == 1 << 30)
        #expect(ConfigSize(parsing: "512")?.bytes == 512)
        #expect(ConfigSize(parsing: "1 MiB") == nil)
        #expect(ConfigSize(bytes: 1 << 20).description == "1MiB")
    }
}

/// Problems that leave the stages intact keep the definition, so compiling can report the rest.
@Suite struct PipelineLoadTests {
    func read(_ text: String) -> PipelineLoad {
        PipelineLoader(environment: [:]).read(bytes: Array(text.utf8), file: "p.yaml")
    }

    @Test func unknownTopLevelKeyKeepsTheDefinitionBesideItsError() {
        let load = read("sourcs: {}\nsources:\n  a: { type: file }\nsinks:\n  o: { type: blackhole, inputs: [a] }\n")
        #expect(load.definition?.stages.map(\.id) == ["a", "o"])
        #expect(
            load.diagnostics.sorted.map(\.description) == [
                "p.yaml:1:1: error: unknown top-level key 'sourcs'; did you mean 'sources'? [unknown-field]"
            ])
        guard case .failure = load.result else {
            Issue.record("a definition with errors must not load")
            return
        }
    }

    @Test func aStageProblemDropsTheDefinition() {
        #expect(read("sources:\n  a: { path: x }\nsinks:\n  o: { type: blackhole, inputs: [a] }\n").definition == nil)
    }

    @Test func aPipelineWithoutSinksIsAnErrorOnTheFile() {
        let load = read("sources:\n  a: { type: file }\ntransforms:\n  f: { type: filter, inputs: [a] }\nsinks:\n")
        #expect(load.definition != nil)
        #expect(
            load.diagnostics.sorted.map(\.description) == [
                "p.yaml:1:1: error: the pipeline has no sinks, so its events would go nowhere; add a 'sinks' section "
                    + "(type 'blackhole' discards events on purpose) [missing-field]"
            ])
    }

    @Test func flowValueCutAtACommaHintsAtTheFirstDiagnosticItCauses() {
        let load = read(
            "sources:\n  a: { type: file }\nsinks:\n  o: { type: blackhole, inputs: [a], parallelism: f(1, 2) }\n")
        #expect(load.flowSplits.map(\.text) == ["f(1, 2)"])
        guard case .failure(let diagnostics) = load.result else {
            Issue.record("expected the inputs to be rejected")
            return
        }
        let hinted = diagnostics.sorted.filter { $0.message.contains("quote it (\"f(1, 2)\")") }
        #expect(hinted.count == 1)
        #expect(hinted.first?.location == SourceLocation(file: "p.yaml", line: 4, column: 51))
    }

    @Test func balancedFlowValuesAreNotSplits() {
        #expect(read("a: { v: f(x), w: [g(y)] }\n").flowSplits.isEmpty)
    }
}
