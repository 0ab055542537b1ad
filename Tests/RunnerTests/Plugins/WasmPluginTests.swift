import Foundation
import SluiceTesting
import Testing

/// WebAssembly plugins through the real runner: the example module tags every event, and modules that
/// trap, loop for ever, reach outside their memory, grow it past the limit, recurse without end or answer
/// garbage cost only their batches (dead-lettered and counted), never the runner.
@Suite struct WasmPluginTests {
    /// Builds `name.wat` into `name.wasm` in `folder` with wabt's wat2wasm.
    private func wat2wasm(_ text: String, name: String, in folder: URL) throws {
        let source = folder.appendingPathComponent("\(name).wat")
        try text.write(to: source, atomically: true, encoding: .utf8)
        let tool = try #require(Tool.find("wat2wasm"), "wat2wasm is missing: run scripts/install-deps.sh")
        let built = Tool.run(tool, [source.path, "-o", folder.appendingPathComponent("\(name).wasm").path])
        #expect(built.status == 0, "\(built.output)")
    }

    @Test func theExampleModuleTagsEveryEventAndCountsThem() throws {
        let plugins = try TestPlugins()
        try FileManager.default.removeItem(at: plugins.plugins)
        try FileManager.default.copyItem(
            at: RunnerProcess.packageRoot.appendingPathComponent("plugins"), to: plugins.plugins)
        let script = RunnerProcess.packageRoot.appendingPathComponent("scripts/build-plugins.sh").path
        let built = Tool.run("/bin/bash", [script, plugins.plugins.path])
        #expect(built.status == 0, "\(built.output)")
        try plugins.file(
            "p.yaml",
            """
            name: tagged
            sources:
              in: { type: generate, count: 500, fields: { id: sequence() } }
            transforms:
              tag: { type: wasm_tag, inputs: [in] }
            sinks:
              out: { type: file, inputs: [tag], path: out.ndjson }
            """)
        let result = try RunnerProcess.run(
            ["apply", "--batch-size", "64", "--stats", "--stats-format", "prometheus", "p.yaml"], in: plugins.folder)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = plugins.records("out.ndjson")
        #expect(rows.count == 500)
        #expect(rows.allSatisfy { $0["wasm"] as? Bool == true && $0["id"] is Int })
        #expect(
            result.stderr.contains(#"sluice_stage_counter_total{pipeline="tagged",stage="tag",name="tagged"} 500"#))
    }

    /// A module that echoes every batch, except that it misbehaves (`misbehaviour`, WAT instructions) on a
    /// batch holding `"bad":true`.
    private func misbehavingModule(_ misbehaviour: String) -> String {
        """
        (module
          (memory (export "memory") 1)
          (data (i32.const 0) "{not json\\n")
          (func $recurse (result i32) (i32.add (call $recurse) (i32.const 1)))
          (func (export "alloc") (param $size i32) (result i32)
            (local $pages i32)
            (local.set $pages (i32.sub (i32.shr_u (i32.add (local.get $size) (i32.const 66559)) (i32.const 16))
              (memory.size)))
            (if (i32.gt_s (local.get $pages) (i32.const 0))
              (then (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then (return (i32.const 0))))))
            (i32.const 1024))
          ;; True when the input holds "bad":true.
          (func $isBad (param $in i32) (param $len i32) (result i32)
            (local $i i32) (local $last i32)
            (local.set $i (local.get $in))
            (local.set $last (i32.add (local.get $in) (i32.sub (local.get $len) (i32.const 10))))
            (block $no
              (loop $scan
                (br_if $no (i32.gt_s (local.get $i) (local.get $last)))
                (if (i64.eq (i64.load (local.get $i)) (i64.const 0x72743a2264616222))
                  (then (if (i32.eq (i32.load16_u (i32.add (local.get $i) (i32.const 8))) (i32.const 0x6575))
                    (then (return (i32.const 1))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $scan)))
            (i32.const 0))
          (func (export "process") (param $in i32) (param $len i32) (result i64)
            (if (call $isBad (local.get $in) (local.get $len)) (then \(misbehaviour)))
            (i64.or (i64.shl (i64.extend_i32_u (local.get $in)) (i64.const 32)) (i64.extend_i32_u (local.get $len))))
        )
        """
    }

    @Test(arguments: [
        ("(loop $forever (br $forever))", "out of fuel"),
        ("(drop (i32.load (i32.const 0x7ffffff0)))", "out of bounds"),
        ("unreachable", "unreachable"),
        ("(drop (call $recurse))", "call stack exhausted"),
        ("(return (i64.const 0x7fff000000000010))", "outside the module's"),
        ("(return (i64.extend_i32_s (memory.grow (i32.const 2000))))", "'process' reported failure (-1)"),
        ("(return (i64.const 10))", "output line 1 is not a JSON object"),
    ])
    func aMisbehavingModuleCostsOnlyTheBatchesItFailed(misbehaviour: String, reason: String) throws {
        let plugins = try TestPlugins()
        try plugins.write(
            """
            name: wasm-misbehave
            version: 1.0.0
            module: misbehave.wasm
            fuel: 10000000
            max_memory: 16MiB
            stages:
              misbehave: { kind: transform }
            """, to: "plugin.yaml", in: "wasm-misbehave")
        try wat2wasm(
            misbehavingModule(misbehaviour), name: "misbehave",
            in: plugins.plugins.appendingPathComponent("wasm-misbehave"))
        try plugins.file(
            "p.yaml",
            """
            name: wasm
            sources:
              numbers: { type: generate, count: 2000, fields: { id: sequence() } }
            transforms:
              mark: { type: enrich, inputs: [numbers], fields: { bad: id == 150 || id == 1250 } }
              plugin: { type: misbehave, inputs: [mark], dead_letter: dead.ndjson }
            sinks:
              out: { type: file, inputs: [plugin], path: out.ndjson }
            """)
        let result = try RunnerProcess.run(
            ["apply", "--batch-size", "100", "--stats", "--stats-format", "prometheus", "p.yaml"], in: plugins.folder)
        plugins.expectOnlyTheBadBatchesDeadLettered(result, pipeline: "wasm", reason: reason)
    }
}
