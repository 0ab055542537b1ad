import Foundation
import SluiceCore
import SluiceTesting
import Synchronization
import Testing

@testable import SluiceStages

@Suite struct FileSinkTests {
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Builds a file sink from `options` (YAML lines) and runs `batches` through it.
    @discardableResult
    private func write(_ options: String, _ batches: [EventBatch]) throws -> ProcessorRun {
        let (config, diagnostics) = loadConfig(FileSink.self, yaml: "type: file\n" + options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try ProcessorHarness(try #require(config)).run(batches)
    }

    private func batch(_ events: Event...) -> EventBatch {
        EventBatch(events: events)
    }

    @Test func decodesOptionsWithDefaults() {
        let (config, diagnostics) = loadConfig(FileSink.self, yaml: "type: file\ninputs: [a]\npath: out/x.ndjson")
        #expect(diagnostics.isEmpty)
        #expect(config == FileSinkConfig(path: "out/x.ndjson", format: .ndjson, fields: nil, append: false))
    }

    @Test func reportsMissingPathAndMisplacedFields() {
        let (config, diagnostics) = loadConfig(
            FileSink.self,
            yaml: """
                type: file
                fields: [a]
                apend: true
                """)
        #expect(config == nil)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:1: error: stage 'id': missing required option 'path' [missing-field]",
                "test.yaml:2:9: error: stage 'id': option 'fields' applies only to format: csv [invalid-value]",
                "test.yaml:3:1: error: stage 'id': unknown option 'apend'; did you mean 'append'? [unknown-field]",
            ])
    }

    @Test func writesNDJSONThatReadsBackAsTheSameValues() throws {
        let path = directory.file("events.ndjson")
        let events = [
            Event(["id": 1, "text": "line\nbreak \"quoted\" \\ tab\t ü 日本 🎉", "ok": true, "none": nil]),
            Event(["n": -42, "x": 0.25, "big": 1e300, "list": .array([1, "two", .object(Event(["three": 3]))])]),
        ]
        let run = try write("path: \(path)", [EventBatch(events: events)])
        let text = try #require(directory.contents(of: path))
        #expect(run.bytesWritten == text.utf8.count)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["text"] as? String == "line\nbreak \"quoted\" \\ tab\t ü 日本 🎉")
        #expect(first["none"] is NSNull)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["x"] as? Double == 0.25)
        #expect(second["big"] as? Double == 1e300)
        #expect((second["list"] as? [Any])?.count == 3)
        #expect(String(lines[1]) == #"{"n":-42,"x":0.25,"big":1e+300,"list":[1,"two",{"three":3}]}"#)
    }

    @Test func createsMissingParentFolders() throws {
        let path = directory.file("a/b/c/out.ndjson")
        try write("path: \(path)", [batch(Event(["id": 1]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n")
    }

    @Test func truncatesByDefaultAndAppendsWhenAsked() throws {
        let path = directory.file("out.ndjson")
        try directory.write("old line\n", to: path)
        try write("path: \(path)", [batch(Event(["id": 1]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n")
        try write("path: \(path)\nappend: true", [batch(Event(["id": 2]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n{\"id\":2}\n")
    }

    @Test func writesCSVWithHeaderFromFirstEventAndRFC4180Quoting() throws {
        let path = directory.file("out.csv")
        let events = [
            Event(["name": "plain", "note": "has, comma", "n": 1]),
            Event(["name": "say \"hi\"", "note": "two\nlines", "n": 2.5]),
            Event(["note": "carriage\rreturn", "n": nil, "extra": "ignored"]),
            Event(["name": .object(Event(["a": 1, "b": "x,y"])), "note": .array([1, 2]), "n": true]),
        ]
        let batches = [EventBatch(events: Array(events[..<2])), EventBatch(events: Array(events[2...]))]
        try write("path: \(path)\nformat: csv", batches)
        let expected =
            [
                #"name,note,n"#,
                #"plain,"has, comma",1"#,
                #""say ""hi""","two"#,
                #"lines",2.5"#,
                #","carriage\#rreturn","#,
                #""{""a"":1,""b"":""x,y""}","[1,2]",true"#,
            ].joined(separator: "\n") + "\n"
        #expect(directory.contents(of: path) == expected)
    }

    @Test func countsEventsWhoseFieldsAppearedAfterTheCSVColumnsWereFixed() throws {
        let path = directory.file("out.csv")
        let run = try write(
            "path: \(path)\nformat: csv",
            [
                batch(Event(["a": 1, "b": 2])),
                batch(Event(["a": 3, "c": 4]), Event(["c": 5, "b": 6, "d": 7]), Event(["b": 8, "a": 9])),
            ])
        // Rows keep the columns; the fields outside them are counted, not silently lost.
        #expect(directory.contents(of: path) == "a,b\n1,2\n3,\n,6\n9,8\n")
        #expect(run.counters[.csvNewField] == 2)
    }

    @Test func listedCSVColumnsLeaveOtherFieldsOutOnPurpose() throws {
        let path = directory.file("out.csv")
        let run = try write("path: \(path)\nformat: csv\nfields: [a]", [batch(Event(["a": 1, "b": 2]))])
        #expect(directory.contents(of: path) == "a\n1\n")
        #expect(run.counters[.csvNewField] == nil)
    }

    /// The batch holding the new field is counted as dropped, so none of it stays in the file; the batches
    /// before it do.
    @Test func aNewCSVFieldFailsTheSinkWhenAskedToKeepingTheBatchesBefore() throws {
        let path = directory.file("out.csv")
        let (config, diagnostics) = loadConfig(FileSink.self, yaml: "path: \(path)\nformat: csv\non_new_field: fail")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let harness = try ProcessorHarness(try #require(config))
        #expect(throws: StageFailure.self) {
            try harness.run([
                batch(Event(["a": 1]), Event(["a": 2])), batch(Event(["a": 3]), Event(["a": 4, "late": true])),
            ])
        }
        #expect(directory.contents(of: path) == "a\n1\n2\n")
    }

    @Test func onNewFieldAppliesOnlyToCSV() {
        let (_, diagnostics) = loadConfig(FileSink.self, yaml: "path: out.ndjson\non_new_field: fail")
        #expect(
            diagnostics.lines == [
                "test.yaml:2:15: error: stage 'id': option 'on_new_field' applies only to format: csv [invalid-value]"
            ])
    }

    @Test func writesConfiguredCSVColumnsIncludingNestedPaths() throws {
        let path = directory.file("out.csv")
        try write(
            "path: \(path)\nformat: csv\nfields: [id, user.name, \"weird,name\"]",
            [batch(Event(["user": .object(Event(["name": "Ada"])), "id": 7, "other": 1]))])
        #expect(directory.contents(of: path) == "id,user.name,\"weird,name\"\n7,Ada,\n")
    }

    @Test func writesCSVHeaderEvenWithoutEventsWhenColumnsAreKnown() throws {
        let path = directory.file("empty.csv")
        try write("path: \(path)\nformat: csv\nfields: [a, b]", [])
        #expect(directory.contents(of: path) == "a,b\n")
    }

    @Test func doesNotRepeatCSVHeaderWhenAppendingAndKeepsExistingColumns() throws {
        let path = directory.file("out.csv")
        try write("path: \(path)\nformat: csv", [batch(Event(["b": 1, "a": "x"]))])
        try write("path: \(path)\nformat: csv\nappend: true", [batch(Event(["a": "y", "b": 2, "c": 3]))])
        try write("path: \(path)\nformat: csv\nappend: true\nfields: [b, a]", [batch(Event(["a": "z", "b": 3]))])
        #expect(directory.contents(of: path) == "b,a\n1,x\n2,y\n3,z\n")
    }

    @Test func writesCSVHeaderWhenAppendingToAnEmptyFile() throws {
        let path = directory.file("new.csv")
        try write("path: \(path)\nformat: csv\nappend: true", [batch(Event(["a": 1]))])
        #expect(directory.contents(of: path) == "a\n1\n")
    }

    @Test func writesLargeBatchesCompletely() throws {
        let path = directory.file("big.ndjson")
        let events = (0..<20_000).map {
            Event(["id": .int(Int64($0)), "pad": .string(String(repeating: "x", count: 40))])
        }
        let run = try write("path: \(path)", [EventBatch(events: events), EventBatch(events: events)])
        let text = try #require(directory.contents(of: path))
        #expect(text.utf8.count > 2 * EncodingSink<NDJSONEncoder>.flushThreshold)
        #expect(run.bytesWritten == text.utf8.count)
        #expect(text.split(separator: "\n").count == 40_000)
        #expect(text.hasSuffix("{\"id\":19999,\"pad\":\"\(String(repeating: "x", count: 40))\"}\n"))
    }

    @Test func failsForGoodWhenADeviceIsFull() throws {
        // /dev/full answers ENOSPC to every write; unlike a file system, it never gets space back.
        let (config, _) = loadConfig(FileSink.self, yaml: "path: /dev/full")
        let harness = try ProcessorHarness(try #require(config), stage: "out")
        let failure = #expect(throws: StageFailure.self) {
            try harness.run([batch(Event(["id": 1]))], finishing: false)
        }
        #expect(failure?.message == "cannot write '/dev/full': No space left on device")
        // The sink stays failed: a later batch is refused the same way, not written in part.
        let again = #expect(throws: StageFailure.self) { try harness.run([batch(Event(["id": 2]))]) }
        #expect(again?.message == failure?.message)
    }

    @Test func failsWithThePathWhenTheFileCannotBeOpened() throws {
        let blocker = directory.file("not-a-folder")
        try directory.write("", to: blocker)
        let (config, _) = loadConfig(FileSink.self, yaml: "path: \(blocker)/out.ndjson")
        let failure = #expect(throws: StageFailure.self) { try ProcessorHarness(try #require(config), stage: "out") }
        #expect(failure?.message == "cannot open '\(blocker)/out.ndjson': Not a directory")
        let (deeper, _) = loadConfig(FileSink.self, yaml: "path: \(blocker)/sub/out.ndjson")
        let deeperFailure = #expect(throws: StageFailure.self) {
            try ProcessorHarness(try #require(deeper), stage: "out")
        }
        #expect(deeperFailure?.message == "cannot create the folder for '\(blocker)/sub/out.ndjson': Not a directory")
    }

    @Test func appendingToAFileWhoseLastLineIsTornStartsOnANewLine() throws {
        let path = directory.file("torn.ndjson")
        try directory.write("{\"id\":1}\n{\"id\":", to: path)
        try write("path: \(path)\nappend: true", [batch(Event(["id": 2]))])
        #expect(directory.contents(of: path) == "{\"id\":1}\n{\"id\":\n{\"id\":2}\n")
        let csv = directory.file("torn.csv")
        try directory.write("a,b\n1,2\n3,", to: csv)
        try write("path: \(csv)\nformat: csv\nappend: true", [batch(Event(["b": 6, "a": 5]))])
        #expect(directory.contents(of: csv) == "a,b\n1,2\n3,\n5,6\n")
    }

    @Test func aSinkThatReplacesOneOnTheSameFileContinuesIt() throws {
        let path = directory.file("out.ndjson")
        let (first, _) = loadConfig(FileSink.self, yaml: "path: \(path)")
        try ProcessorHarness(try #require(first)).run([batch(Event(["id": 1]))])
        // A reload adds the default `append: false`, or changes the format: the earlier output stays.
        let (second, _) = loadConfig(FileSink.self, yaml: "path: \(path)\nappend: false")
        try ProcessorHarness(try #require(second), replacing: first).run([batch(Event(["id": 2]))])
        let (third, _) = loadConfig(FileSink.self, yaml: "path: \(directory.path)/./out.ndjson\nformat: csv")
        try ProcessorHarness(try #require(third), replacing: second).run([batch(Event(["id": 3]))])
        #expect(directory.contents(of: path)?.hasPrefix("{\"id\":1}\n{\"id\":2}\n") == true)
        // A sink on another file, or one replacing a different stage type, starts its file afresh.
        try directory.write("old\n", to: directory.file("other.ndjson"))
        let (moved, _) = loadConfig(FileSink.self, yaml: "path: \(directory.file("other.ndjson"))")
        try ProcessorHarness(try #require(moved), replacing: first).run([batch(Event(["id": 4]))])
        #expect(directory.contents(of: directory.file("other.ndjson")) == "{\"id\":4}\n")
        let stdout = StdoutSinkConfig()
        try ProcessorHarness(try #require(first), replacing: stdout).run([batch(Event(["id": 5]))])
        #expect(directory.contents(of: path) == "{\"id\":5}\n")
    }

    @Test func aReplacedCSVSinkThatNeverWroteLeavesItsSuccessorAWholeFile() throws {
        // The old sink empties the file when it closes, after its successor was built: the successor
        // decides about the header at its first write, not when it was built.
        let path = directory.file("out.csv")
        try directory.write("stale,header\n1,2\n", to: path)
        let (config, _) = loadConfig(FileSink.self, yaml: "path: \(path)\nformat: csv")
        let old = try ProcessorHarness(try #require(config))
        let successor = try ProcessorHarness(try #require(config), replacing: config)
        try old.run([])
        try successor.run([batch(Event(["a": 1, "b": 2]))])
        #expect(directory.contents(of: path) == "a,b\n1,2\n")
    }

    /// A sink writing `count` events of 45 bytes on a thread of its own to `out.ndjson` on a 64 KiB disk
    /// that has only `free` bytes left.
    /// Writes `count` events, in batches of `batchSize` (one batch by default), to a file on a disk with
    /// `free` bytes left, in the background.
    private func writeToAFullDisk(
        free: Int, count: Int, batchSize: Int? = nil, shutdown: ShutdownSignal = ShutdownSignal()
    ) throws -> (disk: SmallFileSystem, path: String, run: BackgroundRun) {
        let disk = try #require(SmallFileSystem(bytes: 64 * 1024))
        disk.fill(leaving: free)
        let path = disk.path + "/out.ndjson"
        let (config, _) = loadConfig(FileSink.self, yaml: "path: \(path)")
        let harness = try ProcessorHarness(try #require(config), stage: "out", shutdown: shutdown)
        let events = (0..<count).map { Event(["id": .int(Int64($0)), "pad": "twenty-three characters"]) }
        let batches = stride(from: 0, to: count, by: batchSize ?? count).map {
            EventBatch(events: Array(events[$0..<min($0 + (batchSize ?? count), count)]))
        }
        return (disk, path, BackgroundRun(harness, batches))
    }

    @Test func findsTheLastWholeRecordOfAPartialWrite() {
        let wholeRecords = { (framing: RecordFraming, text: String) in
            Array(text.utf8).withUnsafeBytes { framing.wholeRecords(in: $0) }
        }
        #expect(wholeRecords(.lines, "{\"a\":1}\n{\"a\":") == 8)
        #expect(wholeRecords(.lines, "{\"a\":") == 0)
        // A newline in a quoted CSV cell, and doubled quotes, do not end a row.
        let csv = "a,\"two\nlines\"\n\"say \"\"hi\"\"\",b\nc,\"open\n"
        #expect(wholeRecords(.csv, csv) == "a,\"two\nlines\"\n\"say \"\"hi\"\"\",b\n".utf8.count)
        #expect(wholeRecords(.lines, csv) == csv.utf8.count)
    }

    @Test(.enabled(if: SmallFileSystem.isAvailable, "mounting a tmpfs needs root"))
    func waitsOutAFullFileSystemWithWholeLinesAndLosesNothing() throws {
        // About 45 KB: more than is free at first, less than the disk holds.
        let (disk, path, run) = try writeToAFullDisk(free: 8 * 1024, count: 1_000)
        // The sink fills the disk, cuts its partial line off again and waits.
        #expect(eventually { disk.freeBytes == 0 && (directory.contents(of: path)?.hasSuffix("\n") ?? false) })
        #expect(run.result == nil, "the sink returned while the disk was full")
        disk.makeRoom()
        #expect(eventually { run.result != nil })
        let result = try #require(try run.result?.get())
        #expect(result.counters[.writeRetries, default: 0] > 0)
        let lines = try #require(directory.contents(of: path)).split(separator: "\n")
        #expect(lines.count == 1_000)
        #expect(lines.last == #"{"id":999,"pad":"twenty-three characters"}"#)
        #expect(lines.enumerated().allSatisfy { $1.hasPrefix("{\"id\":\($0),") })
    }

    @Test(.enabled(if: SmallFileSystem.isAvailable, "mounting a tmpfs needs root"))
    func givesUpWithWholeBatchesWhenTheShutdownLimitPasses() throws {
        let shutdown = ShutdownSignal()
        let (disk, path, run) = try writeToAFullDisk(free: 4 * 1024, count: 1_000, batchSize: 20, shutdown: shutdown)
        #expect(eventually { disk.freeBytes == 0 })
        shutdown.abandon()
        #expect(eventually { run.result != nil })
        let failure = try #require(run.failure)
        #expect(failure.message.hasPrefix("cannot write '\(path)': No space left on device; gave up after "))
        let text = try #require(directory.contents(of: path))
        #expect(!text.isEmpty && text.hasSuffix("\n"))
        // The batch that failed is counted as dropped, so none of its lines stay in the file.
        #expect(text.split(separator: "\n").count % 20 == 0, "\(text)")
    }

    @Test func exampleDecodesAndDocumentsEveryOption() throws {
        let example = try #require(loadExample(FileSink.self))
        #expect(example.diagnostics.isEmpty, "\(example.diagnostics)")
        #expect(example.config?.format == .csv)
        #expect(Set(example.askedKeys) == Set(FileSink.options.map(\.name)))
    }
}

/// Runs batches through a processor harness on a thread of its own, as a worker would, so a test can
/// watch a sink that blocks.
private final class BackgroundRun: @unchecked Sendable {
    private let outcome = Mutex<Result<ProcessorRun, any Error>?>(nil)
    // Touched by the run's thread alone once it started.
    private let harness: ProcessorHarness
    private let batches: [EventBatch]

    init(_ harness: ProcessorHarness, _ batches: [EventBatch]) {
        self.harness = harness
        self.batches = batches
        Thread.detachNewThread { [self] in
            let result = Result { try self.harness.run(self.batches) }
            outcome.withLock { $0 = result }
        }
    }

    /// The run's result, once it returned.
    var result: Result<ProcessorRun, any Error>? { outcome.withLock { $0 } }

    /// The `StageFailure` the run threw, if it did.
    var failure: StageFailure? {
        guard case .failure(let error)? = result else { return nil }
        return error as? StageFailure
    }
}
