import Foundation
import SluiceTesting
import Testing

/// The deployment files in deploy/: the ConfigMap's pipelines are valid, and a ConfigMap update — which
/// the kubelet makes by swapping a symbolic link inside the mounted folder — reloads a running runner.
@Suite struct DeployTests {
    static let kubernetes = RunnerProcess.packageRoot.appendingPathComponent("deploy/kubernetes")

    /// The files of the ConfigMap's `data`, by name: each key ending in `.yaml: |` and the lines indented
    /// under it.
    static func configMapFiles() throws -> [String: String] {
        let text = try String(contentsOf: kubernetes.appendingPathComponent("configmap.yaml"), encoding: .utf8)
        var files: [String: String] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(".yaml: |") {
                let name = String(line.dropFirst(2).dropLast(3))
                current = name
                files[name] = ""
            } else if let name = current, line.hasPrefix("    ") || line.isEmpty {
                files[name, default: ""] += line.dropFirst(min(4, line.count)) + "\n"
            } else {
                current = nil
            }
        }
        return files
    }

    @Test func theConfigMapsPipelinesAreValid() throws {
        let files = try Self.configMapFiles()
        #expect(files.keys.sorted() == ["orders-final.yaml", "orders-partial.yaml"])
        let folder = try temporaryFolder()
        for (name, text) in files {
            let file = folder.appendingPathComponent(name)
            try text.write(to: file, atomically: true, encoding: .utf8)
            let result = try RunnerProcess.run(
                ["validate", file.path], environment: ["KAFKA_BROKERS": "kafka-0.kafka:9092"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
    }

    @Test func aConfigMapUpdateReloadsTheRunnersPipelines() throws {
        let folder = try temporaryFolder()
        let first = folder.appendingPathComponent("first.ndjson")
        let second = folder.appendingPathComponent("second.ndjson")
        func pipeline(_ output: URL) -> String {
            """
            name: mounted
            sources:
              ticks: { type: generate, rate: 1000, fields: { id: sequence() } }
            sinks:
              out: { type: file, inputs: [ticks], path: \(output.path) }
            """
        }
        // What the kubelet's atomic writer makes of a ConfigMap with one key.
        let fileManager = FileManager.default
        func writeVersion(_ name: String, _ text: String) throws {
            let version = folder.appendingPathComponent(name)
            try fileManager.createDirectory(at: version, withIntermediateDirectories: true)
            try text.write(to: version.appendingPathComponent("mounted.yaml"), atomically: true, encoding: .utf8)
        }
        try writeVersion("..2026_11_28_10_00_00.1", pipeline(first))
        try fileManager.createSymbolicLink(
            atPath: folder.appendingPathComponent("..data").path, withDestinationPath: "..2026_11_28_10_00_00.1")
        try fileManager.createSymbolicLink(
            atPath: folder.appendingPathComponent("mounted.yaml").path, withDestinationPath: "..data/mounted.yaml")

        let runner = try RunnerProcess(["apply", "--watch-debounce", "50ms", folder.path])
        defer { runner.send(SIGKILL) }
        try waitUntil("the first version's output") { lineCount(first) > 0 }
        // An update: a new version folder, a new link beside `..data`, renamed over it in one step.
        try writeVersion("..2026_11_28_10_05_00.2", pipeline(second))
        try fileManager.createSymbolicLink(
            atPath: folder.appendingPathComponent("..data_tmp").path, withDestinationPath: "..2026_11_28_10_05_00.2")
        #expect(
            rename(folder.appendingPathComponent("..data_tmp").path, folder.appendingPathComponent("..data").path) == 0)
        try waitUntil("the second version's output") { lineCount(second) > 0 }
        #expect(runner.stderrSoFar.contains("' reloaded in "))
        runner.send(SIGTERM)
        #expect(runner.wait().status == 0)
    }
}
