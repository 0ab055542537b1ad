import Foundation
import Testing

/// Plugins written for one test into a folder of their own, and pipelines that use them.
struct TestPlugins {
    let folder: URL
    var plugins: URL { folder.appendingPathComponent("plugins") }

    init() throws {
        folder = try temporaryFolder()
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
    }

    /// Writes `text` to `plugins/plugin/name`.
    func write(_ text: String, to name: String, in plugin: String) throws {
        let pluginFolder = plugins.appendingPathComponent(plugin)
        try FileManager.default.createDirectory(at: pluginFolder, withIntermediateDirectories: true)
        try text.write(to: pluginFolder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Writes `text` to `name` in the test's folder and returns its path.
    @discardableResult
    func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The lines of the NDJSON file `name` in the test's folder, parsed; none when it does not exist.
    func records(_ name: String) -> [[String: Any]] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The `misbehave` plugin: echoes batches, but misbehaves as its `mode` option says on every batch
    /// holding an event with `bad: true` (`stderr_flood` floods on every batch and answers anyway).
    func writeMisbehavingPlugin() throws {
        try write(
            """
            name: misbehave
            version: 1.0.0
            command: [python3, misbehave.py]
            stages:
              misbehave:
                kind: transform
                options:
                  mode: { type: string, doc: "hang, exit137, huge, invalid_json, stderr_flood or fork" }
                  pidfile: { type: path, default: child.pid }
            """, to: "plugin.yaml", in: "misbehave")
        try write(Self.misbehavingScript, to: "misbehave.py", in: "misbehave")
    }

    private static let misbehavingScript = """
        import json, os, sys, time

        def send(frame):
            sys.stdout.write(json.dumps(frame) + "\\n")
            sys.stdout.flush()

        def misbehave(mode, options):
            if mode == "hang":
                time.sleep(3600)
            elif mode == "exit137":
                os._exit(137)
            elif mode == "huge":
                chunk = "x" * (1024 * 1024)
                for _ in range(100):
                    sys.stdout.write(chunk)
                sys.stdout.flush()
                time.sleep(3600)
            elif mode == "invalid_json":
                sys.stdout.write("{this is not json\\n")
                sys.stdout.flush()
            elif mode == "fork":
                if os.fork() == 0:
                    with open(options["pidfile"], "a") as file:
                        file.write("%d\\n" % os.getpid())
                    time.sleep(3600)
                    os._exit(0)
                os._exit(3)

        options = {}
        for line in sys.stdin:
            frame = json.loads(line)
            kind = frame["type"]
            if kind == "hello":
                send({"type": "hello", "protocol": 1})
            elif kind == "config":
                options = frame["options"]
                send({"type": "ack"})
            elif kind == "batch":
                if options["mode"] == "stderr_flood":
                    for number in range(20000):
                        sys.stderr.write("noise %d\\n" % number)
                    sys.stderr.flush()
                elif any(event.get("bad") for event in frame["events"]):
                    misbehave(options["mode"], options)
                    continue
                send({"type": "result", "id": frame["id"], "events": frame["events"]})
            elif kind == "heartbeat":
                send({"type": "heartbeat", "id": frame["id"]})
            elif kind == "finish":
                send({"type": "result", "id": frame["id"], "events": []})
        """
}

extension TestPlugins {
    /// How many events the misbehaving-plugin pipelines send (`id` 0–1999, in batches of 100).
    static let eventCount = 2_000
    /// With batches of 100, events 150 and 1250 (`bad: true`) put their whole batches in trouble.
    static let badBatches = Set(100..<200).union(1_200..<1_300)

    /// Checks a finished run whose plugin stage `plugin` failed every batch holding a bad event: it
    /// exited 0, each event was either written to `out.ndjson` or dead-lettered to `dead.ndjson` with
    /// `reason`, only the bad batches were, the last batch went through, and the drops were counted.
    func expectOnlyTheBadBatchesDeadLettered(
        _ result: RunnerProcess.Result, pipeline: String, reason: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        let processed = records("out.ndjson").compactMap { $0["id"] as? Int }
        let dead = records("dead.ndjson")
        let deadIds = dead.compactMap { ($0["event"] as? [String: Any])?["id"] as? Int }
        #expect(processed.count + deadIds.count == Self.eventCount, sourceLocation: sourceLocation)
        #expect(Set(deadIds) == Self.badBatches, sourceLocation: sourceLocation)
        #expect(Set(processed).isDisjoint(with: Self.badBatches), sourceLocation: sourceLocation)
        // Throughput recovers: the batches after each failure went through.
        #expect(processed.contains(1_999) && processed.contains(300), sourceLocation: sourceLocation)
        #expect(
            dead.allSatisfy { ($0["reason"] as? String)?.contains(reason) == true }, "\(dead.first ?? [:])",
            sourceLocation: sourceLocation)
        let counted =
            "sluice_stage_dropped_events_total{pipeline=\"\(pipeline)\",stage=\"plugin\",reason=\"dead_lettered\"} 200"
        #expect(result.stderr.contains(counted), "\(result.stderr)", sourceLocation: sourceLocation)
    }
}

/// The resident set size of process `pid` in KiB, from /proc; nil once it is gone.
func residentKiB(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return nil }
    return Int(line.split(separator: " ").dropFirst().first ?? "")
}
