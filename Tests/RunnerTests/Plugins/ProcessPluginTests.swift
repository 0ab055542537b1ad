import Foundation
import SluiceTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Process plugins through the real runner: found in `--plugins DIR`, listed and validated like built-in
/// stages, run, restarted when they crash, and reloaded when their files change.
@Suite struct ProcessPluginTests {
    /// A transform that tags each event with the version written in its script.
    private func writeTagger(_ plugins: TestPlugins, version: Int) throws {
        try plugins.write(
            """
            name: tagger
            version: 1.0.0
            command: [python3, tag.py]
            heartbeat: 1s
            stages:
              tag: { kind: transform, summary: Tags events with the plugin's version. }
            """, to: "plugin.yaml", in: "tagger")
        try plugins.write(
            """
            import json, sys
            VERSION = \(version)
            for line in sys.stdin:
                frame = json.loads(line)
                reply = {"type": frame["type"], "id": frame.get("id")}
                if frame["type"] == "hello":
                    reply = {"type": "hello", "protocol": 1}
                elif frame["type"] == "config":
                    reply = {"type": "ack"}
                elif frame["type"] in ("batch", "finish"):
                    events = frame.get("events", [])
                    for event in events:
                        event["version"] = VERSION
                    reply = {"type": "result", "id": frame["id"], "events": events}
                sys.stdout.write(json.dumps(reply) + "\\n")
                sys.stdout.flush()
            """, to: "tag.py", in: "tagger")
    }

    @Test func stagesListsAPluginStageWithItsOptions() throws {
        let result = try RunnerProcess.run(["stages"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("csv_enrich"))
        #expect(result.stdout.contains("sensor_readings"))
        let described = try RunnerProcess.run(["stages", "csv_enrich"])
        #expect(described.stdout.contains("key_column: string (default id)"))
        #expect(described.stdout.contains("dead_letter: path (default dead-letter/<pipeline>.<stage>.ndjson)"))
    }

    @Test func aMissingPluginsFolderHoldsNoPlugins() throws {
        let result = try RunnerProcess.run(["validate", "--plugins", "no-such-folder", "pipelines/quickstart.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
    }

    @Test func aBrokenPluginYAMLFailsWithItsPosition() throws {
        let plugins = try TestPlugins()
        try writeTagger(plugins, version: 1)
        try plugins.write("name: broken\nversion: 1\ncomand: [x]\nstages: {}\n", to: "plugin.yaml", in: "broken")
        for command in ["validate", "apply"] {
            let result = try RunnerProcess.run(
                [command, "--plugins", plugins.plugins.path, "pipelines/quickstart.yaml"])
            #expect(result.status == 1)
            #expect(
                result.stderr.contains(
                    "\(plugins.plugins.path)/broken/plugin.yaml:3:1: error: unknown option 'comand'; did you mean 'command'?"
                ),
                "\(result.stderr)")
        }
    }

    @Test func aWrongPluginOptionPointsAtThePipelineFile() throws {
        let plugins = try TestPlugins()
        try writeTagger(plugins, version: 1)
        let pipeline = try plugins.file(
            "p.yaml",
            """
            sources:
              in: { type: generate, count: 1, fields: { id: sequence() } }
            transforms:
              t: { type: tag, inputs: [in], timeout: never }
            sinks:
              out: { type: stdout, inputs: [t] }
            """)
        let result = try RunnerProcess.run(["validate", "--plugins", plugins.plugins.path, pipeline])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "\(pipeline):4:42: error: stage 't': option 'timeout': invalid duration 'never'"), "\(result.stderr)")
    }

    @Test func theSensorPipelineEnrichesReadingsFromTheCSVTable() throws {
        let folder = try temporaryFolder()
        for name in ["pipelines", "plugins"] {
            try FileManager.default.copyItem(
                at: RunnerProcess.packageRoot.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let result = try RunnerProcess.run(["apply", "--stats", "pipelines/sensor-plugins.yaml"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(
            contentsOf: folder.appendingPathComponent("out/sensor-plugins/warm.ndjson"), encoding: .utf8)
        let rows = text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(!rows.isEmpty)
        for row in rows {
            #expect((row["celsius"] as? Double ?? 0) > 20)
            let site = row["sensor_site"] as? String
            // s4 is not in the table: kept as it was (`missing: keep`).
            #expect(row["sensor"] as? String == "s4" ? site == nil : ["north", "south"].contains(site ?? ""))
        }
        #expect(result.stderr.contains("sensor-plugins  readings"))
    }

    @Test func aSourcePluginThatCrashesIsRestartedAndGoesOn() throws {
        let plugins = try TestPlugins()
        try plugins.write(
            """
            name: flaky
            version: 1.0.0
            command: [python3, flaky.py]
            stages:
              flaky: { kind: source }
            """, to: "plugin.yaml", in: "flaky")
        // The first process sends ids 0-9 and crashes; the next one (the marker file exists) sends 10-19 and ends.
        try plugins.write(
            """
            import json, os, sys
            def send(frame):
                sys.stdout.write(json.dumps(frame) + "\\n")
                sys.stdout.flush()
            sys.stdin.readline()
            send({"type": "hello", "protocol": 1})
            sys.stdin.readline()
            send({"type": "ack"})
            first = not os.path.exists("started")
            open("started", "w").close()
            start = 0 if first else 10
            send({"type": "batch", "id": 1, "events": [{"id": n} for n in range(start, start + 10)]})
            sys.stdin.readline()
            sys.stdout.write("not a frame\\n")
            sys.stdout.flush()
            if first:
                os._exit(9)
            send({"type": "end"})
            """, to: "flaky.py", in: "flaky")
        let pipeline = try plugins.file(
            "p.yaml",
            """
            name: flaky
            sources:
              in: { type: flaky }
            sinks:
              out: { type: file, inputs: [in], path: out.ndjson }
            """)
        let result = try RunnerProcess.run(
            ["apply", "--plugins", plugins.plugins.path, "--stats", "--stats-format", "prometheus", pipeline],
            in: plugins.folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(plugins.records("out.ndjson").compactMap { $0["id"] as? Int } == Array(0..<20))
        #expect(
            result.stderr.contains(#"sluice_stage_counter_total{pipeline="flaky",stage="in",name="plugin_restarts"} 1"#)
        )
        #expect(
            result.stderr.contains(
                #"sluice_stage_dropped_events_total{pipeline="flaky",stage="in",reason="plugin_invalid_frame"} 2"#),
            "\(result.stderr)")
    }

    @Test func aSinkPluginReceivesEveryEventAndAcksEachBatch() throws {
        let plugins = try TestPlugins()
        try plugins.write(
            """
            name: collector
            version: 1.0.0
            command: [python3, collect.py]
            stages:
              collect:
                kind: sink
                options:
                  path: { type: path, doc: Where the events go. }
            """, to: "plugin.yaml", in: "collector")
        try plugins.write(
            """
            import json, sys
            out = None
            for line in sys.stdin:
                frame = json.loads(line)
                kind = frame["type"]
                if kind == "hello":
                    reply = {"type": "hello", "protocol": 1}
                elif kind == "config":
                    out = open(frame["options"]["path"], "w")
                    reply = {"type": "ack"}
                else:
                    for event in frame.get("events", []):
                        out.write(json.dumps(event) + "\\n")
                    out.flush()
                    reply = {"type": "heartbeat" if kind == "heartbeat" else "ack", "id": frame["id"]}
                sys.stdout.write(json.dumps(reply) + "\\n")
                sys.stdout.flush()
            """, to: "collect.py", in: "collector")
        let pipeline = try plugins.file(
            "p.yaml",
            """
            name: collected
            sources:
              in: { type: generate, count: 1000, fields: { id: sequence() } }
            sinks:
              out: { type: collect, inputs: [in], path: collected.ndjson }
            """)
        let result = try RunnerProcess.run(
            [
                "apply", "--plugins", plugins.plugins.path, "--batch-size", "100", "--stats", "--stats-format",
                "prometheus", pipeline,
            ], in: plugins.folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(plugins.records("collected.ndjson").compactMap { $0["id"] as? Int } == Array(0..<1_000))
        #expect(result.stderr.contains(#"sluice_stage_events_in_total{pipeline="collected",stage="out"} 1000"#))
    }

    @Test func aChangedPluginReplacesTheStagesThatUseItWithoutLosingEvents() throws {
        let plugins = try TestPlugins()
        try writeTagger(plugins, version: 1)
        let pipeline = try plugins.file(
            "p.yaml",
            """
            name: tagged
            sources:
              in: { type: generate, rate: 500, fields: { id: sequence() } }
            transforms:
              t: { type: tag, inputs: [in] }
            sinks:
              out: { type: file, inputs: [t], path: out.ndjson }
            """)
        let runner = try RunnerProcess(
            ["apply", "--plugins", plugins.plugins.path, "--batch-size", "50", pipeline], in: plugins.folder)
        let versions = { Set(plugins.records("out.ndjson").compactMap { $0["version"] as? Int }) }
        #expect(eventually(within: 60) { versions().contains(1) })
        try writeTagger(plugins, version: 2)
        #expect(eventually(within: 60) { versions().contains(2) }, "\(runner.stderrSoFar)")
        runner.send(SIGTERM)
        let result = runner.wait(within: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pipeline 'tagged' reloaded"), "\(result.stderr)")
        let records = plugins.records("out.ndjson")
        let ids = records.compactMap { $0["id"] as? Int }
        #expect(ids.sorted() == Array(0..<ids.count), "an event was lost or repeated across the reload")
        // Once version 2 runs, version 1 does no more.
        let firstTwo = try #require(records.firstIndex { $0["version"] as? Int == 2 })
        #expect(records[firstTwo...].allSatisfy { $0["version"] as? Int == 2 })
    }
}
