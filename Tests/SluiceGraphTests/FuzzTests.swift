import Foundation
import SluiceCore
import SluiceStages
import SluiceTesting
import Testing

/// A short, seeded run of each fuzz target (`sluice-bench fuzz` runs them for minutes): the same inputs every
/// time, and none may crash the test process. Inputs the fuzzer once crashed on have tests of their own.
@Suite struct FuzzTests {
    @Test func expressionTargetSurvivesASeededRun() {
        let report = Fuzzer.run(.expression(), seed: 7, until: { $0 >= 250 })
        #expect(report.iterations == 250)
        // Some inputs compile and run, so evaluation is exercised too, not only the error paths.
        #expect(report.accepted > 20)
    }

    @Test func pipelineTargetSurvivesASeededRun() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        let corpus = try files.sorted().map {
            try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(!corpus.isEmpty)
        let report = Fuzzer.run(
            .pipeline(registry: BuiltinStages.registry, corpus: corpus), seed: 7, until: { $0 >= 250 })
        #expect(report.iterations == 250)
        // The inputs depend on the registry (its type names and examples feed the mutator), so a new stage
        // type changes how many compile (about 10 to 25 % across seeds).
        #expect(report.accepted > 10)
    }

    @Test func aSeedRepeatsItsInputs() {
        func inputs(seed: UInt64) -> [String] {
            var seen: [String] = []
            _ = Fuzzer.run(.expression(), seed: seed, until: { $0 >= 50 }) { seen.append($0) }
            return seen
        }
        #expect(inputs(seed: 3) == inputs(seed: 3))
        #expect(inputs(seed: 3) != inputs(seed: 4))
    }
}
