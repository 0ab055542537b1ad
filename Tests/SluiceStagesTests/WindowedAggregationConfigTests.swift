import SluiceCore
import Testing

@testable import SluiceStages

@Suite struct WindowedAggregationConfigTests {
    /// The single diagnostic `yaml` produces, rendered as `runner validate` prints it.
    private func onlyDiagnostic(_ yaml: String) throws -> String {
        let (config, diagnostics) = readAggregateConfig(yaml)
        #expect(config == nil)
        #expect(diagnostics.all.count == 1, "\(diagnostics)")
        return try #require(diagnostics.all.first).description
    }

    @Test func readsEveryOption() throws {
        let config = try #require(
            readAggregateConfig(
                """
                group_by: [category, user.id]
                window: { type: tumbling, size: 10s, time_field: meta.ts, time_unit: s, allowed_lateness: 2s }
                metrics:
                  count: count()
                  total: sum(value)
                """
            ).config)
        #expect(config.groupBy == [FieldPath("category")!, FieldPath("user.id")!])
        let eventTime = EventTimeSpec(
            field: EventTimeField(path: FieldPath("meta.ts")!, unit: .seconds),
            allowedLateness: ConfigDuration(milliseconds: 2_000))
        #expect(config.window == .tumbling(size: ConfigDuration(milliseconds: 10_000), eventTime: eventTime))
        #expect(config.metrics.map(\.name.string) == ["count", "total"])
        #expect(config.metrics.map(\.function) == [.count, .sum])
    }

    @Test func reportsAnUnknownMetricFunctionWithASuggestion() throws {
        let message = try onlyDiagnostic(
            """
            metrics:
              n: count()
              total: summ(value)
            """)
        #expect(
            message
                == "test.yaml:3:10: error: stage 'agg': unknown metric function 'summ'; expected one of count(), "
                + "sum(), avg(), min(), max(), stddev(), variance(), first(), last(), count_distinct(), percentile(), "
                + "median(), top_k(); did you mean 'sum'? [expression]")
    }

    @Test func reportsAWrongArgumentCount() throws {
        let message = try onlyDiagnostic(
            """
            metrics:
              n: count(value)
            """)
        #expect(message == "test.yaml:2:6: error: stage 'agg': count() takes no arguments, found 1 [expression]")
        let sum = try onlyDiagnostic("metrics: { total: sum() }")
        #expect(sum == "test.yaml:1:19: error: stage 'agg': sum() takes one argument, found 0 [expression]")
    }

    @Test func reportsANonNumericArgument() throws {
        let message = try onlyDiagnostic("metrics: { total: sum(\"x\") }")
        #expect(message.hasPrefix("test.yaml:1:19: error: stage 'agg': sum() needs a number"))
    }

    @Test func reportsABadDuration() throws {
        let message = try onlyDiagnostic(
            """
            window: { type: tumbling, size: 10x, time_field: ts }
            metrics: { n: count() }
            """)
        #expect(message.hasPrefix("test.yaml:1:33: error: stage 'agg': option 'size': invalid duration '10x'"))
    }

    @Test func reportsAnUnknownWindowTypeWithASuggestion() throws {
        let message = try onlyDiagnostic(
            """
            window:
              type: tumbing
              size: 10s
            metrics: { n: count() }
            """)
        #expect(
            message.hasPrefix(
                "test.yaml:2:9: error: stage 'agg': option 'type' must be one of tumbling, sliding, session, global"))
        #expect(message.hasSuffix("did you mean 'tumbling'? [invalid-value]"))
    }

    @Test func reportsAMissingSize() throws {
        let message = try onlyDiagnostic(
            """
            metrics: { n: count() }
            window:
              type: tumbling
              time_field: ts
            """)
        #expect(message == "test.yaml:3:3: error: stage 'agg': missing required option 'size' [missing-field]")
    }

    @Test func reportsAZeroSizeAndAMissingWindowType() throws {
        #expect(
            try onlyDiagnostic("window: { type: tumbling, size: 0s }\nmetrics: { n: count() }")
                == "test.yaml:1:33: error: stage 'agg': option 'size' must be longer than 0ms [invalid-value]")
        #expect(
            try onlyDiagnostic("window: { size: 1s }\nmetrics: { n: count() }")
                == "test.yaml:1:9: error: stage 'agg': missing required option 'type' [missing-field]")
    }

    @Test func reportsTimeOptionsThatCannotApply() throws {
        #expect(
            try onlyDiagnostic("window: { type: global, size: 1s }\nmetrics: { n: count() }")
                == "test.yaml:1:25: error: stage 'agg': option 'size' does not apply to a global window "
                + "[invalid-value]")
        #expect(
            try onlyDiagnostic("window: { type: tumbling, size: 1s, allowed_lateness: 1s }\nmetrics: { n: count() }")
                .hasPrefix("test.yaml:1:37: error: stage 'agg': option 'allowed_lateness' needs 'time_field'"))
    }

    @Test func reportsMetricsThatWouldOverwriteOutputFields() throws {
        let message = try onlyDiagnostic("group_by: [category]\nmetrics: { category: count() }")
        #expect(message.hasPrefix("test.yaml:2:12: error: stage 'agg': metric 'category' would overwrite"))
    }

    @Test func reportsMissingMetricsAndUnknownOptions() throws {
        #expect(
            try onlyDiagnostic("group_by: [category]")
                == "test.yaml:1:1: error: stage 'agg': missing required option 'metrics' [missing-field]")
        #expect(
            try onlyDiagnostic("group_bye: [category]\nmetrics: { n: count() }")
                == "test.yaml:1:1: error: stage 'agg': unknown option 'group_bye'; did you mean 'group_by'? "
                + "[unknown-field]")
    }

    @Test func reportsEveryProblemAtOnce() {
        let (config, diagnostics) = readAggregateConfig(
            """
            window: { type: tumbling, size: soon, time_field: ts }
            metrics:
              a: cnt()
              b: avg(x, y)
            """)
        #expect(config == nil)
        #expect(diagnostics.all.count == 3, "\(diagnostics)")
    }

    @Test func differentOptionsMakeUnequalConfigs() throws {
        let a = try #require(readAggregateConfig("metrics: { n: count() }").config)
        let b = try #require(readAggregateConfig("metrics: { n: count() where x > 1 }").config)
        #expect(a == a)
        #expect(a != b)
    }
}
