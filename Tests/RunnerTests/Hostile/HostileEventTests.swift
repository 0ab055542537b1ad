import Foundation
import SluiceTesting
import Testing

/// Hostile events and expressions driven through the real `runner`: values no window or operator can handle,
/// expressions too long or too deep for a recursive parser, more groups than memory allows, integers JSON
/// cannot keep exact. None may crash the runner; each is counted, and the good events around it arrive.
@Suite struct HostileEventTests {
    /// Runs `runner apply --stats --stats-format prometheus` on `pipeline` (its text, with `FOLDER` standing for
    /// a fresh temporary folder) after writing `input` to FOLDER/in.ndjson; returns the result and the folder.
    private func apply(_ pipeline: String, input: String) throws -> (RunnerProcess.Result, URL) {
        let folder = try temporaryFolder()
        try input.write(to: folder.appendingPathComponent("in.ndjson"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("p.yaml")
        try pipeline.replacingOccurrences(of: "FOLDER", with: folder.path).write(
            to: file, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["apply", "--stats", "--stats-format", "prometheus", file.path])
        return (result, folder)
    }

    /// The output lines of FOLDER/out.ndjson as JSON objects.
    private func rows(in folder: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: folder.appendingPathComponent("out.ndjson"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func aggregate(window: String, extra: String = "") -> String {
        """
        sources:
          in: { type: file, path: FOLDER/in.ndjson }
        aggregations:
          agg:
            type: aggregate
            inputs: [in]
            window: \(window)
            \(extra)
            metrics: { n: count() }
        sinks:
          out: { type: file, inputs: [agg], path: FOLDER/out.ndjson }
        """
    }

    @Test(arguments: [
        "{ type: tumbling, size: 10s, time_field: ts }",
        "{ type: sliding, size: 10s, slide: 5s, time_field: ts }",
        "{ type: session, gap: 10s, time_field: ts }",
    ])
    func extremeTimestampsAreDroppedAsInvalidTimeAndTheOtherEventsArrive(window: String) throws {
        let extremes = [
            "9223372036854775807", "-9223372036854775808", "-9223372036854765808", "8640000000000001", "1e300",
            "-1e300", "\"99999999999999999999\"",
        ]
        let input = (["{\"ts\":1000}"] + extremes.map { "{\"ts\":\($0)}" } + ["{\"ts\":2000}"]).joined(separator: "\n")
        let (result, folder) = try apply(aggregate(window: window), input: input + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("reason=\"invalid_time\"} \(extremes.count)"), "\(result.stderr)")
        #expect(result.stderr.contains("outside the event times an aggregate can window"))
        let counts = try rows(in: folder).compactMap { $0["n"] as? Int }
        #expect(!counts.isEmpty && counts.allSatisfy { $0 == 2 }, "\(counts)")
    }

    @Test func aTenThousandTermExpressionRunsAndADeeplyNestedOneIsAPositionedError() throws {
        func filter(_ condition: String) -> String {
            """
            sources:
              in: { type: file, path: FOLDER/in.ndjson }
            transforms:
              f: { type: filter, inputs: [in], condition: "\(condition)" }
            sinks:
              out: { type: file, inputs: [f], path: FOLDER/out.ndjson }
            """
        }
        let sum = Array(repeating: "value", count: 10_000).joined(separator: " + ")
        let (applied, folder) = try apply(filter(sum + " > 0"), input: "{\"value\":1}\n{\"value\":0}\n{\"value\":2}\n")
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try rows(in: folder).compactMap { $0["value"] as? Int } == [1, 2])

        let deep = String(repeating: "(", count: 10_000) + "value" + String(repeating: ")", count: 10_000) + " > 0"
        let negations = String(repeating: "!", count: 10_000) + "true"
        for condition in [deep, negations] {
            let file = folder.appendingPathComponent("deep.yaml")
            try filter(condition).replacingOccurrences(of: "FOLDER", with: folder.path).write(
                to: file, atomically: true, encoding: .utf8)
            let invalid = try RunnerProcess.run(["validate", file.path])
            #expect(invalid.status == 1)
            // The error points into line 4 at the level that nests too deep: the condition starts at column 48.
            #expect(
                invalid.stderr.hasPrefix(
                    "\(file.path):4:\(48 + 100): error: stage 'f': expression nests more than 100 levels"),
                "\(invalid.stderr.prefix(300))")
        }
    }

    @Test func aReloadToADeeplyNestedExpressionIsRefusedAndTheRunnerCarriesOn() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("p.yaml")
        let output = folder.appendingPathComponent("out.ndjson")
        func pipeline(_ condition: String) -> String {
            """
            sources:
              g: { type: generate, rate: 1000, fields: { value: sequence() } }
            transforms:
              f: { type: filter, inputs: [g], condition: "\(condition)" }
            sinks:
              o: { type: file, inputs: [f], path: \(output.path) }
            """
        }
        try pipeline("value >= 0").write(to: file, atomically: true, encoding: .utf8)
        let runner = try RunnerProcess(["apply", "--watch-debounce", "10ms", file.path])
        #expect(eventually { FileManager.default.fileExists(atPath: output.path) })
        let deep = String(repeating: "(", count: 20_000) + "value" + String(repeating: ")", count: 20_000) + " >= 0"
        try pipeline(deep).write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { runner.stderrSoFar.contains("has errors; the running version continues") })
        #expect(runner.stderrSoFar.contains("expression nests more than 100 levels deep"))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int)
        #expect(
            eventually { ((try? FileManager.default.attributesOfItem(atPath: output.path)[.size]) as? Int ?? 0) > size }
        )
        runner.send(SIGTERM)
        #expect(runner.wait().status == 0)
    }

    @Test func integerOverflowInAnExpressionGivesNullAndTheEventArrives() throws {
        let (result, folder) = try apply(
            """
            sources:
              in: { type: file, path: FOLDER/in.ndjson }
            transforms:
              e:
                type: enrich
                inputs: [in]
                fields: { twice: big * 2, negated: -big, quotient: big / (big - big), small: to_int(huge) }
            sinks:
              out: { type: file, inputs: [e], path: FOLDER/out.ndjson }
            """,
            input: "{\"big\":-9223372036854775808,\"huge\":1e300}\n{\"big\":2,\"huge\":1.5}\n")
        #expect(result.status == 0, "\(result.stderr)")
        let output = try rows(in: folder)
        #expect(output.count == 2)
        #expect(output[0]["twice"] is NSNull && output[0]["negated"] is NSNull && output[0]["small"] is NSNull)
        #expect(output[1]["twice"] as? Int == 4 && output[1]["small"] as? Int == 1)
    }

    @Test func groupsBeyondMaxMemoryAreDroppedAndCountedWhileExistingGroupsCount() throws {
        let input = (0..<2_000).map { "{\"user\":\"u\($0)\"}" } + ["{\"user\":\"u0\"}"]
        let (result, folder) = try apply(
            """
            sources:
              in: { type: file, path: FOLDER/in.ndjson }
            aggregations:
              agg: { type: aggregate, inputs: [in], group_by: [user], max_memory: 64KiB, metrics: { n: count() } }
            sinks:
              out: { type: file, inputs: [agg], path: FOLDER/out.ndjson }
            """, input: input.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("reason=\"max_memory\"}"), "\(result.stderr)")
        #expect(result.stderr.contains("at or over max_memory (64KiB); dropping the events of new groups"))
        let output = try rows(in: folder)
        #expect(output.count > 10 && output.count < 2_000)
        #expect(output.first { $0["user"] as? String == "u0" }?["n"] as? Int == 2)
    }

    @Test func aSlidingWindowOfTooManyPanesIsAValidationError() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("p.yaml")
        try aggregate(window: "{ type: sliding, size: 10000s, slide: 1s, time_field: ts }")
            .replacingOccurrences(of: "FOLDER", with: folder.path).write(to: file, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["validate", file.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("spans 10000 panes of gcd(size, slide) = 1s; the most is 1000"), "\(result.stderr)")
    }

    @Test func integersBeyondInt64ArriveAsFloatsAndAreCounted() throws {
        let (result, folder) = try apply(
            """
            sources:
              in: { type: file, path: FOLDER/in.ndjson }
            sinks:
              out: { type: file, inputs: [in], path: FOLDER/out.ndjson }
            """, input: "{\"id\":1}\n{\"id\":123456789012345678901}\n{\"id\":3}\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("{pipeline=\"p\",stage=\"in\",name=\"inexact_integer\"} 1"), "\(result.stderr)")
        #expect(result.stderr.contains("in.ndjson:2: an integer beyond the 64-bit range read as the nearest float"))
        let output = try String(contentsOf: folder.appendingPathComponent("out.ndjson"), encoding: .utf8)
        #expect(output == "{\"id\":1}\n{\"id\":1.2345678901234568e+20}\n{\"id\":3}\n")
    }
}
