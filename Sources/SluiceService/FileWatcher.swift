import SluiceCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches pipeline files and reports which ones changed, appeared or disappeared.
///
/// It watches the files' folders with inotify (editors often save by writing a new file and renaming it
/// over the old one, which a watch on the file itself would miss) and falls back to polling when
/// inotify is unavailable. Events are debounced: a burst of writes becomes one report once the folder
/// has been quiet for `debounce`. Each report compares file signatures (inode, size, modification
/// time), so a report always reflects the files as they are, not the events that led there; and a file
/// is reported only once its signature has stayed the same for `debounce` (two looks that far apart),
/// so a file still being written in several writes (an editor, `cp`, a slow network file system) is
/// not read half-way.
public final class FileWatcher: @unchecked Sendable {
    /// What a watched target is: one file, a folder whose `*.yaml` / `*.yml` files are watched, or a
    /// folder whose every file, in sub-folders too, is watched (plugins).
    public enum Target: Sendable, Hashable {
        case file(String)
        case folder(String)
        case tree(String)
    }

    /// Files whose content changed, that appeared, and that disappeared since the last report.
    public struct Changes: Sendable, Equatable {
        public var changed: [String] = []
        public var added: [String] = []
        public var removed: [String] = []

        public init(changed: [String] = [], added: [String] = [], removed: [String] = []) {
            self.changed = changed
            self.added = added
            self.removed = removed
        }

        public var isEmpty: Bool { changed.isEmpty && added.isEmpty && removed.isEmpty }
    }

    private struct Signature: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    private let targets: [Target]
    private let debounce: ConfigDuration
    private let pollInterval: ConfigDuration
    private let stopFlag = Atomic<Bool>(false)
    private var onChange: (@Sendable (Changes) -> Void)?
    private var known: [String: Signature] = [:]
    /// Files whose signature differs from `known`, with the signature (nil: gone) and when it was
    /// first seen; reported once it has held for `debounce`.
    private var settling: [String: (signature: Signature?, since: UInt64)] = [:]
    private var inotify: Int32 = -1

    /// Records the files as they are now; changes from this moment on are reported once `start` runs.
    /// Create the watcher before loading the files, so an edit made while they load is not missed.
    /// `usingInotify: false` polls every `pollInterval` instead (what happens anyway where inotify is
    /// unavailable).
    public init(
        targets: [Target], debounce: ConfigDuration = ConfigDuration(milliseconds: 100),
        pollInterval: ConfigDuration = ConfigDuration(milliseconds: 1_000), usingInotify: Bool = true
    ) {
        self.targets = targets
        self.debounce = debounce
        self.pollInterval = pollInterval
        inotify = usingInotify ? inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) : -1
        if inotify >= 0 {
            let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
            // A tree's sub-folders are watched as they are now; later ones are seen by the periodic rescan.
            let subfolders = targets.flatMap { target -> [String] in
                guard case .tree(let path) = target else { return [] }
                return FolderListing.subfolders(of: path)
            }
            for folder in Set(targets.map(Self.folder(of:)) + subfolders) { inotify_add_watch(inotify, folder, mask) }
        }
        known = scan()
    }

    /// Starts reporting on a thread of its own; `onChange` is called on that thread. Changes made since
    /// `init` are reported like any others (the watch was set up there, so their events are waiting).
    public func start(onChange: @escaping @Sendable (Changes) -> Void) {
        self.onChange = onChange
        // The thread keeps the watcher alive until its loop ends.
        SystemThread.start { [self] in loop() }
    }

    /// True when changes are noticed through inotify rather than by polling.
    public var usesInotify: Bool { inotify >= 0 }

    /// Stops watching (the thread ends within one poll interval).
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
    }

    deinit {
        if inotify >= 0 { close(inotify) }
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopFlag.load(ordering: .acquiring) {
            // A file that is settling is looked at again after `debounce`, events or not.
            let interval = settling.isEmpty ? pollInterval : min(pollInterval, debounce)
            if inotify >= 0 {
                guard waitReadable(milliseconds: Int32(clamping: interval.milliseconds)) else {
                    report()  // A periodic rescan also catches what the watch cannot see (a folder replaced).
                    continue
                }
                // Drain the burst: keep reading until the folder has been quiet for the debounce time, but
                // report at least every 20 debounce periods, so a folder that never rests (a log file
                // written beside the pipelines) cannot hold reloads back.
                let deadline = SystemClock.monotonicDeadline(afterSeconds: debounce.seconds * 20)
                repeat {
                    _ = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
                } while waitReadable(milliseconds: Int32(clamping: debounce.milliseconds))
                    && SystemClock.monotonicNanoseconds() < deadline && !stopFlag.load(ordering: .acquiring)
            } else {
                usleep(UInt32(clamping: SystemClock.nanoseconds(clamping: interval.seconds) / 1_000))
            }
            report()
        }
    }

    private func waitReadable(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    private func report() {
        let now = scan()
        let clock = SystemClock.monotonicNanoseconds()
        let stableAfter = SystemClock.nanoseconds(clamping: debounce.seconds)
        var changes = Changes()
        for path in Set(now.keys).union(known.keys).sorted() {
            let signature = now[path]
            guard signature != known[path] else {
                settling[path] = nil
                continue
            }
            var entry = settling[path] ?? (signature, clock)
            if entry.signature != signature { entry = (signature, clock) }
            guard clock - entry.since >= stableAfter else {
                settling[path] = entry
                continue
            }
            settling[path] = nil
            switch (known[path], signature) {
            case (nil, _): changes.added.append(path)
            case (_, nil): changes.removed.append(path)
            default: changes.changed.append(path)
            }
            known[path] = signature
        }
        if !changes.isEmpty && !stopFlag.load(ordering: .acquiring) { onChange?(changes) }
    }

    private func scan() -> [String: Signature] {
        var result: [String: Signature] = [:]
        for target in targets {
            switch target {
            case .file(let path):
                if let signature = Self.signature(of: path) { result[path] = signature }
            case .folder(let path):
                for file in PipelineFolder.yamlFiles(in: path) {
                    if let signature = Self.signature(of: file) { result[file] = signature }
                }
            case .tree(let path):
                for file in FolderListing.files(under: path) {
                    if let signature = Self.signature(of: file) { result[file] = signature }
                }
            }
        }
        return result
    }

    private static func signature(of path: String) -> Signature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Signature(
            inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    private static func folder(of target: Target) -> String {
        switch target {
        case .folder(let path), .tree(let path): return path
        case .file(let path):
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }
    }
}

/// The pipeline files of a folder.
public enum PipelineFolder {
    /// The folder's `*.yaml` and `*.yml` files, in name order, as paths under `folder`.
    public static func yamlFiles(in folder: String) -> [String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return FolderListing.names(in: folder).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .map { prefix + $0 }
    }
}
