import Foundation
import Testing

/// `runner diff` and `runner graph` through the real binary: what a reload would keep, change, add and
/// remove, and how a pipeline runs (its nodes and queues).
@Suite struct PlanCommandsTests {
    /// The quickstart pipeline's stages in a file of their own, with `edit` applied to its text.
    func quickstart(in folder: URL, as name: String, _ edit: (String) -> String = { $0 }) throws -> URL {
        let text = try String(
            contentsOf: RunnerProcess.packageRoot.appendingPathComponent("pipelines/quickstart.yaml"), encoding: .utf8)
        let file = folder.appendingPathComponent(name)
        try edit(text).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func diffOfTwoVersionsWithTheSameNameListsKeptChangedAddedAndRemoved() throws {
        let folder = try temporaryFolder()
        let old = try quickstart(in: folder, as: "old.yaml")
        let new = try quickstart(in: folder, as: "new.yaml") {
            $0.replacing("condition: value >= 1 && category != \"\"", with: "condition: value >= 2")
                .replacing("  out:\n", with: "  kept_out:\n")
        }
        let result = try RunnerProcess.run(["diff", old.path, new.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                + kept_out  (added)
                - out  (removed; drained first)
                ~ valid  (changed: condition; drained and replaced)
                = events, clean, stamp, by_category, store  (kept, with their state)
                + node kept_out  (new queue)
                - node out  (queue removed)
                = nodes clean+stamp+valid+by_category, store  (same queues)

                """)
    }

    @Test func aCosmeticEditIsNoChange() throws {
        let folder = try temporaryFolder()
        let old = try quickstart(in: folder, as: "old.yaml")
        let new = try quickstart(in: folder, as: "new.yaml") {
            $0.replacing("size: 10s", with: "size: 10000ms").replacing("trim: true", with: "trim: \"true\"")
                .replacing("  out:\n    type: file\n", with: "  out:\n    # the one sink\n    type: file\n")
        }
        let result = try RunnerProcess.run(["diff", old.path, new.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "no changes (written differently, same configuration: clean, by_category)\n")
    }

    @Test func diffOfAnInvalidVersionReportsItsErrorsAndExitsOne() throws {
        let folder = try temporaryFolder()
        let old = try quickstart(in: folder, as: "old.yaml")
        let new = try quickstart(in: folder, as: "new.yaml") { $0.replacing("type: filter", with: "type: fliter") }
        let result = try RunnerProcess.run(["diff", old.path, new.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(new.path):24:11: error: stage 'valid': unknown transform type 'fliter'"))
        #expect(result.stdout.isEmpty)
    }

    @Test func graphShowsWhichStagesShareANodeAndTheQueues() throws {
        let result = try RunnerProcess.run(["graph", "--queue-capacity", "500", "pipelines/quickstart.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                pipeline quickstart (pipelines/quickstart.yaml): 7 stages in 1 source and 3 nodes with 3 queues
                  events (source file) → n1
                  n1: 1 queue of 500 events; ends after 1 producer → n2, n3
                    clean (transform clean) ← events
                    stamp (transform enrich) ← clean
                    valid (transform filter) ← stamp
                    by_category (aggregation aggregate) ← valid
                  n2: 1 queue of 500 events; ends after 1 producer
                    out (sink file) ← by_category
                  n3: 1 queue of 500 events; ends after 1 producer
                    store (sink sqlite) ← by_category

                """)
    }

    @Test func applyRefusesTwoFilesWithOneNameAtTheirNameLine() throws {
        let folder = try temporaryFolder()
        let first = try quickstart(in: folder, as: "first.yaml")
        let second = try quickstart(in: folder, as: "second.yaml")
        let result = try RunnerProcess.run(["validate", first.path, second.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "\(second.path):6:7: error: pipeline name 'quickstart' is already used by \(first.path); give this "
                    + "file its own 'name:' [duplicate-pipeline]"), "\(result.stderr)")
    }
}
