import SluiceCore
import SluiceEngine
import SluiceTesting
import Testing

@testable import SluiceStages

/// Comparing values of different types is false, as before, but no longer silent: a literal that makes it
/// likely is a compile-time warning, and every such comparison at run time is counted.
@Suite struct TypeMismatchTests {
    let harness: PipelineHarness

    init() throws {
        harness = try PipelineHarness(registry: BuiltinStages.registry)
    }

    @Test func orderingANumberAgainstANumericStringIsACompileTimeWarning() throws {
        let graph = try harness.compile(
            """
            sources:
              web: { type: generate, count: 1, fields: { status: 503 } }
            transforms:
              errors:
                type: filter
                inputs: [web]
                condition: status >= "500"
            sinks:
              out: { type: blackhole, inputs: [errors] }
            """, file: "p.yaml"
        ).get()
        #expect(
            graph.warnings.sorted.map(\.description) == [
                "p.yaml:7:23: warning: stage 'errors': '>=' compares with the string \"500\": a number is never "
                    + "ordered with a string, and strings order as text (\"1000\" < \"500\"); write 500 without "
                    + "quotes to compare numbers [expression]"
            ])
    }

    @Test func everyMismatchedComparisonIsCountedAndTheMatchesStillPass() throws {
        let snapshots = try harness.run(
            """
            sources:
              web:
                type: generate
                count: 300
                fields:
                  n: sequence()
                  status: if(n % 3 == 0, "503", if(n % 3 == 1, 503, null))
            transforms:
              errors:
                type: filter
                inputs: [web]
                condition: status == "503"
            sinks:
              out: { type: blackhole, inputs: [errors] }
            """)
        let filter = try #require(snapshots.first { $0.stage == "errors" })
        // The ints are counted; the strings match and the nulls are no mismatch.
        #expect(filter.counters[.typeMismatch] == 100)
        #expect(filter.eventsOut == 100)
    }

    @Test func aggregateConditionsCountTheirMismatchesToo() throws {
        let snapshots = try harness.run(
            """
            sources:
              web: { type: generate, count: 50, fields: { status: 503 } }
            aggregations:
              totals:
                type: aggregate
                inputs: [web]
                metrics:
                  errors: count() where status >= "500"
            sinks:
              out: { type: blackhole, inputs: [totals] }
            """)
        #expect(snapshots.first { $0.stage == "totals" }?.counters[.typeMismatch] == 50)
    }

    @Test func aMetricConditionWarnsToo() throws {
        let graph = try harness.compile(
            """
            sources:
              web: { type: generate, count: 1, fields: { status: 503 } }
            aggregations:
              totals: { type: aggregate, inputs: [web], metrics: { errors: 'count() where status >= "500"' } }
            sinks:
              out: { type: blackhole, inputs: [totals] }
            """, file: "p.yaml"
        ).get()
        #expect(graph.warnings.sorted.map(\.location?.line) == [4])
    }
}
