import Foundation
import Testing

/// Hostile and broken pipeline files, through the real `runner`: each is refused with a positioned
/// diagnostic and exit code 1, within bounded memory, and never crashes the runner.
@Suite struct HostileConfigTests {
    /// A sink and source that make any file below a complete pipeline.
    static let tail = """
        sources:
          s: { type: generate, count: 1, fields: { id: sequence() } }
        sinks:
          o: { type: blackhole, inputs: [s] }

        """

    /// Writes `text` to a new file and runs `runner validate` on it.
    func validate(
        _ text: String, environment: [String: String] = [:], addressSpaceKiB: Int? = nil
    ) throws -> (file: String, result: RunnerProcess.Result) {
        let file = try temporaryFolder().appendingPathComponent("pipeline.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(
            ["validate", file.path], environment: environment, addressSpaceKiB: addressSpaceKiB)
        return (file.path, result)
    }

    func errorLines(_ result: RunnerProcess.Result) -> [String] {
        result.stderr.split(separator: "\n").map(String.init)
    }

    /// Validates `text` and expects exit code 1 with exactly the lines `expected(file)` on standard error.
    func expectRefused(
        _ text: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation,
        _ expected: (_ file: String) -> [String]
    ) throws {
        let (file, result) = try validate(text, environment: environment)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(errorLines(result) == expected(file), sourceLocation: sourceLocation)
    }

    @Test func aliasBombIsRefusedAtItsFirstAliasInBoundedMemory() throws {
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        let names = Array("abcdefghi").map(String.init)
        for level in 1..<9 {
            let items = Array(repeating: "*\(names[level - 1])", count: 9).joined(separator: ",")
            lines.append("\(names[level]): &\(names[level]) [\(items)]")
        }
        // Expanded, the nine levels are 387 million strings; within 1 GiB only a refusal fits.
        let (file, result) = try validate(lines.joined(separator: "\n") + "\n" + Self.tail, addressSpaceKiB: 1 << 20)
        #expect(result.status == 1, "\(result.stderr.prefix(2_000))")
        #expect(
            result.stderr.contains(
                "\(file):2:8: error: YAML aliases ('*a') are not supported; write the value out [yaml-unsupported]"))
    }

    @Test func aFileOverOneMebibyteIsRefusedUnread() throws {
        let padding = String(repeating: "# padding to make the file too large to be a pipeline\n", count: 20_000)
        try expectRefused(Self.tail + padding) { file in
            [
                "\(file):1:1: error: the file has more than 1048576 bytes (1MiB), the limit for a pipeline file "
                    + "[config-limit]"
            ]
        }
    }

    @Test func nestingOneHundredThousandDeepIsRefusedAtTheLimit() throws {
        let depth = 100_000
        let nested = "x: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        try expectRefused(nested + Self.tail) { file in
            [
                "\(file):1:67: error: mappings and lists nest deeper than 64 levels, the limit for a pipeline file "
                    + "[config-limit]"
            ]
        }
    }

    @Test func tooManyValuesAreRefused() throws {
        let list = "x: [" + Array(repeating: "a", count: 300_000).joined(separator: ",") + "]\n"
        let (_, result) = try validate(list)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: the file holds more than 250000 YAML values"), "\(result.stderr)")
    }

    @Test func syntaxErrorsPointAtTheirLineAndColumn() throws {
        try expectRefused("sources:\n  a: { type: file\n  b: 1\n") { file in
            [
                "\(file):3:4: error: invalid YAML: did not find expected ',' or '}' "
                    + "(while parsing a flow mapping at line 2, column 6) [yaml-syntax]"
            ]
        }
    }

    /// Runs a pipeline that keeps the events of ids 0..<10 whose `condition` holds, and returns the ids
    /// that reached the file sink.
    func keptIds(condition: String, environment: [String: String]) throws -> (ids: [Int], result: RunnerProcess.Result)
    {
        let folder = try temporaryFolder()
        let output = folder.appendingPathComponent("out.ndjson")
        try """
        sources:
          s: { type: generate, count: 10, fields: { id: sequence() } }
        transforms:
          keep: { type: filter, inputs: [s], condition: '\(condition)' }
        sinks:
          o: { type: file, inputs: [keep], path: \(output.path) }
        """.write(to: folder.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let result = try RunnerProcess.run(["apply", "--no-watch", "p.yaml"], in: folder, environment: environment)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let ids = text.split(separator: "\n").compactMap { line in
            line.firstRange(of: "\"id\":").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
        }
        return (ids, result)
    }

    @Test func anEnvironmentValueIsOneLiteralNotExpressionCode() throws {
        let number = try keptIds(condition: "id == ${WANTED}", environment: ["WANTED": "3"])
        #expect(number.result.status == 0, "\(number.result.stderr)")
        #expect(number.ids == [3])
        // As text, this would read `id == 3 || true` and keep every event.
        let injected = try keptIds(condition: "id == ${WANTED}", environment: ["WANTED": "3 || true"])
        #expect(injected.result.status == 0, "\(injected.result.stderr)")
        #expect(injected.ids == [])
    }

    @Test func aNewlineFromTheEnvironmentInAFilePathIsRefused() throws {
        let text = """
            sources:
              s: { type: generate, count: 1, fields: { id: sequence() } }
            sinks:
              o: { type: file, inputs: [s], path: "out/${NAME}.ndjson" }
            """
        try expectRefused(text, environment: ["NAME": "a\nb"]) { file in
            [
                "\(file):4:44: error: stage 'o': option 'path': environment variable 'NAME' puts a newline (U+000A) "
                    + "into the file path [invalid-value]"
            ]
        }
    }

    @Test func anUnknownTopLevelKeyDoesNotHideTheOtherErrors() throws {
        let text = """
            sourcs: {}
            sources:
              s: { type: generat, count: 1 }
            sinks:
              o: { type: blackhole, inputs: [s] }
            """
        try expectRefused(text) { file in
            [
                "\(file):1:1: error: unknown top-level key 'sourcs'; did you mean 'sources'? [unknown-field]",
                "\(file):3:14: error: stage 's': unknown source type 'generat'; did you mean 'generate'? "
                    + "[unknown-type]",
            ]
        }
    }

    @Test func aPipelineWithoutSinksIsAnError() throws {
        try expectRefused("sources:\n  s: { type: generate, count: 1, fields: { id: sequence() } }\n") { file in
            [
                "\(file):1:1: error: the pipeline has no sinks, so its events would go nowhere; add a 'sinks' section "
                    + "(type 'blackhole' discards events on purpose) [missing-field]"
            ]
        }
    }

    @Test func aCallCutAtAFlowMappingCommaGetsAHint() throws {
        let text = """
            sources:
              s: { type: generate, count: 1, fields: { value: uniform(0, 10) } }
            sinks:
              o: { type: blackhole, inputs: [s] }
            """
        let (file, result) = try validate(text)
        #expect(result.status == 1)
        let first = errorLines(result).first ?? ""
        #expect(first.hasPrefix("\(file):2:51: error: stage 's': uniform() takes 2 arguments, found 1"), "\(first)")
        #expect(first.contains(#"quote it ("uniform(0, 10)") or write the mapping in block style"#))
    }

    @Test func aTenThousandStageChainCompiles() throws {
        var lines = ["sources:", "  t0: { type: generate, count: 1, fields: { v: sequence() } }", "transforms:"]
        for index in 1...10_000 {
            lines.append("  t\(index): { type: filter, inputs: [t\(index - 1)], condition: v >= 0 }")
        }
        lines += ["sinks:", "  out: { type: blackhole, inputs: [t10000] }"]
        let (file, result) = try validate(lines.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr.prefix(2_000))")
        #expect(result.stdout == "\(file): ok (pipeline 'pipeline', 10002 stages)\n")
    }
}
