import Foundation
import SluiceCore
import SluiceService
import Synchronization
import Testing

/// The file watcher reports changed, added and removed pipeline files, including edits made before it
/// started reporting.
@Suite struct FileWatcherTests {
    /// Collects reports from the watcher's thread.
    final class Reports: Sendable {
        private let seen = Mutex<[FileWatcher.Changes]>([])
        func add(_ changes: FileWatcher.Changes) { seen.withLock { $0.append(changes) } }
        var all: FileWatcher.Changes {
            seen.withLock { reports in
                reports.reduce(into: FileWatcher.Changes()) {
                    $0.changed += $1.changed
                    $0.added += $1.added
                    $0.removed += $1.removed
                }
            }
        }
    }

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "sluice-watch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes like an editor: a new file renamed over the old one.
    func save(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<3_000 where !condition() { usleep(10_000) }
        return condition()
    }

    @Test func reportsAnEditMadeBeforeItStarted() throws {
        let folder = try folder()
        let file = folder + "/p.yaml"
        try save("a: 1\n", to: file)
        let watcher = FileWatcher(targets: [.file(file)], debounce: ConfigDuration(milliseconds: 10))
        defer { watcher.stop() }
        try save("a: 2\n", to: file)
        let reports = Reports()
        watcher.start { reports.add($0) }
        #expect(waitFor { reports.all.changed == [file] })
    }

    @Test func reportsChangesAdditionsAndRemovalsInAFolder() throws {
        let folder = try folder()
        try save("a: 1\n", to: folder + "/one.yaml")
        try save("b: 1\n", to: folder + "/two.yml")
        try save("not a pipeline", to: folder + "/notes.txt")
        let watcher = FileWatcher(targets: [.folder(folder)], debounce: ConfigDuration(milliseconds: 10))
        defer { watcher.stop() }
        let reports = Reports()
        watcher.start { reports.add($0) }
        #expect(watcher.usesInotify)
        try save("a: 2\n", to: folder + "/one.yaml")
        try save("c: 1\n", to: folder + "/three.yaml")
        try FileManager.default.removeItem(atPath: folder + "/two.yml")
        try save("ignored", to: folder + "/notes.txt")
        #expect(
            waitFor {
                let all = reports.all
                return all.changed == [folder + "/one.yaml"] && all.added == [folder + "/three.yaml"]
                    && all.removed == [folder + "/two.yml"]
            })
    }

    @Test func aBurstOfWritesIsOneReport() throws {
        let folder = try folder()
        let file = folder + "/p.yaml"
        try save("a: 0\n", to: file)
        let watcher = FileWatcher(targets: [.file(file)], debounce: ConfigDuration(milliseconds: 200))
        defer { watcher.stop() }
        let reports = Reports()
        watcher.start { reports.add($0) }
        for value in 1...20 { try save("a: \(value)\n", to: file) }
        #expect(waitFor { reports.all.changed == [file] })
        // Reports come in order: once a later, separate change is reported, a second report of the burst
        // would have come before it.
        try save("a: later\n", to: file)
        #expect(waitFor { reports.all.changed.count >= 2 })
        #expect(reports.all.changed == [file, file], "a burst within the debounce time must be reported once")
    }

    @Test func pollingFindsTheSameChangesWithoutInotify() throws {
        let folder = try folder()
        try save("a: 1\n", to: folder + "/one.yaml")
        let watcher = FileWatcher(
            targets: [.folder(folder)], pollInterval: ConfigDuration(milliseconds: 50), usingInotify: false)
        defer { watcher.stop() }
        #expect(!watcher.usesInotify)
        let reports = Reports()
        watcher.start { reports.add($0) }
        try save("a: 22\n", to: folder + "/one.yaml")
        try save("b: 1\n", to: folder + "/two.yaml")
        #expect(
            waitFor {
                reports.all.changed == [folder + "/one.yaml"] && reports.all.added == [folder + "/two.yaml"]
            })
        try FileManager.default.removeItem(atPath: folder + "/two.yaml")
        #expect(waitFor { reports.all.removed == [folder + "/two.yaml"] })
    }

    /// A file written in many small writes is reported once, complete: a look that finds it still
    /// changing waits until it has stayed the same for the debounce time.
    @Test(arguments: [true, false])
    func aFileStillBeingWrittenIsReportedOnlyOnceItIsComplete(usingInotify: Bool) throws {
        let folder = try folder()
        let file = folder + "/p.yaml"
        try save("a: 0\n", to: file)
        let watcher = FileWatcher(
            targets: [.file(file)], debounce: ConfigDuration(milliseconds: 1_000),
            pollInterval: ConfigDuration(milliseconds: 10), usingInotify: usingInotify)
        defer { watcher.stop() }
        let contents = Mutex<[String]>([])
        watcher.start { _ in
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            contents.withLock { $0.append(text) }
        }
        // One open file, written a line at a time without closing it in between (as a slow copy does).
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.truncate(atOffset: 0)
        var expected = ""
        for line in 0..<50 {
            let text = "key\(line): \(line)\n"
            try handle.write(contentsOf: Data(text.utf8))
            expected += text
            usleep(10_000)
        }
        try handle.close()
        #expect(waitFor { !contents.withLock { $0 }.isEmpty })
        let seen = contents.withLock { $0 }
        #expect(seen.count == 1, "reported \(seen.count) times, first with \(seen.first?.utf8.count ?? 0) bytes")
        #expect(seen.last == expected)
    }

    /// A debounce longer than any clock can count (`--watch-debounce 300000d`) only means the change is
    /// not reported yet: the watcher's arithmetic on it must not overflow.
    @Test(arguments: [true, false])
    func aDebounceNoClockCanHoldReportsNothingAndCrashesNothing(usingInotify: Bool) throws {
        let folder = try folder()
        let file = folder + "/p.yaml"
        try save("a: 1\n", to: file)
        let watcher = FileWatcher(
            targets: [.file(file)], debounce: try #require(ConfigDuration(parsing: "300000d")),
            pollInterval: ConfigDuration(milliseconds: 5), usingInotify: usingInotify)
        defer { watcher.stop() }
        let reports = Reports()
        watcher.start { reports.add($0) }
        try save("a: 2\n", to: file)
        // Many polls happen meanwhile; each one looks at the changed file and its debounce.
        usleep(300_000)
        #expect(reports.all.changed.isEmpty)
    }
}
