import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

extension DropReason {
    /// A line cut short because its file was truncated before the rest of it was read.
    public static let fileTruncated: DropReason = "file_truncated"
}

extension StageCounter {
    /// How often a followed file was found truncated (or rewritten from its start) and read again.
    public static let truncations: StageCounter = "truncations"
    /// Bytes a followed file was known to hold but lost to a truncation before they were read.
    public static let truncatedUnreadBytes: StageCounter = "truncated_unread_bytes"
}

/// A file's identity: its device and inode, which a rename keeps and a new file at the same path does not.
struct FileIdentity: Hashable {
    let device: dev_t
    let inode: ino_t

    init(_ status: stat) {
        device = status.st_dev
        inode = status.st_ino
    }
}

/// `mode: tail`: follows every file matching the pattern, polling for appended data.
///
/// Files are known by device and inode, not by name. Each poll re-expands the glob; a file already
/// followed under another name (renamed by rotation, and still matching) keeps being read where it was,
/// so no line is read twice. A followed file that no longer matches (rotated away or deleted) is read to
/// its end, its unfinished last line ends it, and it is closed. A file new to the source is read from its
/// start, after the files already followed, so a rotated file's last lines come before the new file's.
///
/// Before each read the file is checked for truncation: smaller than what was read or than it was seen
/// to be, or the bytes just before the read position no longer those that were read (truncated and grown
/// again between two polls). What the file held past the read position is then read from its copy when
/// one lies beside it (logrotate's copytruncate: `app.log.1` holds the same first bytes, and the same
/// bytes before the read position), and the file is read again from its start. An unfinished line is
/// never joined to what follows but rejected as `file_truncated`, and bytes known but never read are
/// counted.
struct FileFollower {
    /// How many of the last bytes read are kept to notice that a file was rewritten under the read position.
    private static let markLength = 256

    private final class FollowedFile {
        let descriptor: Int32
        let identity: FileIdentity
        /// The bytes read so far: the position of the next read.
        var offset: off_t = 0
        /// The largest size the file was seen to have since it was last read from its start.
        var knownSize: off_t = 0
        /// Bytes the file is known to hold (up to `markLength`), ending at `markEnd`: the last bytes read,
        /// or after a truncation the last bytes it held then.
        var mark: [UInt8] = []
        var markEnd: off_t = 0
        /// The first bytes of the file (up to `markLength`), to know a copy of it.
        var head: [UInt8] = []
        var stream: InputStream
        var reportedReadError = false

        init(descriptor: Int32, status: stat, path: String) {
            self.descriptor = descriptor
            identity = FileIdentity(status)
            knownSize = status.st_size
            stream = InputStream(name: path)
        }

        deinit {
            close(descriptor)
        }
    }

    let config: FileSourceConfig
    let ingest: LineIngest
    let log: StageLog
    let output: any SourceOutput

    func run() {
        var followed: [FollowedFile] = []
        var failedPaths: Set<String> = []
        while ingest.shouldContinue {
            let matches = currentMatches()
            let matched = Set(matches.map(\.identity))
            // A file the source reads anyway is never taken for the copy of a truncated one.
            let readAnyway = matched.union(followed.map(\.identity))
            // Files already followed first, in the order they were found.
            var kept: [FollowedFile] = []
            for file in followed {
                let reachedEnd = drain(file, besides: readAnyway)
                if matched.contains(file.identity) || !ingest.shouldContinue {
                    kept.append(file)
                } else if reachedEnd {
                    // Rotated away or deleted, and read to its end: its unfinished last line is complete.
                    ingest.finish(&file.stream)
                }
            }
            followed = kept
            let known = Set(followed.map(\.identity))
            for (path, identity) in matches where !known.contains(identity) && ingest.shouldContinue {
                guard let file = open(path, reportingFailure: !failedPaths.contains(path)) else {
                    failedPaths.insert(path)
                    continue
                }
                failedPaths.remove(path)
                // The path may name another file by now; that one is followed unless it already is.
                guard !followed.contains(where: { $0.identity == file.identity }) else { continue }
                followed.append(file)
                _ = drain(file, besides: readAnyway)
            }
            // Deliver what this poll found before waiting for more.
            ingest.flush()
            if ingest.shouldContinue { output.sleep(seconds: config.pollInterval.seconds) }
        }
    }

    /// The paths the pattern matches now, in order, with the identity of the file each names.
    private func currentMatches() -> [(path: String, identity: FileIdentity)] {
        FileGlob.paths(matching: config.path).compactMap { path in
            var status = stat()
            guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
            return (path, FileIdentity(status))
        }
    }

    private func open(_ path: String, reportingFailure: Bool) -> FollowedFile? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0 else {
            if reportingFailure { log.error("cannot open '\(path)': \(SystemError.lastMessage)") }
            if descriptor >= 0 { close(descriptor) }
            return nil
        }
        return FollowedFile(descriptor: descriptor, status: status, path: path)
    }

    /// Reads what was appended to `file` since the last poll; `followed` are the files the source reads.
    /// Returns true when it reached the end of the data, false when it stopped first (the pipeline is
    /// stopping, or a read failed).
    private func drain(_ file: FollowedFile, besides followed: Set<FileIdentity>) -> Bool {
        while ingest.shouldContinue {
            restartIfTruncated(file, besides: followed)
            let count = ingest.readChunk(from: file.descriptor, stream: &file.stream)
            if count == 0 { return true }
            guard count > 0 else {
                if !file.reportedReadError {
                    log.error("cannot read '\(file.stream.name)': \(SystemError.lastMessage)")
                    file.reportedReadError = true
                }
                return false
            }
            file.reportedReadError = false
            // At the start of the file nothing is carried over, so the bytes read begin with the file's.
            if file.offset == 0 { file.head = ingest.firstBytesRead(upTo: Self.markLength) }
            file.offset += off_t(count)
            file.knownSize = max(file.knownSize, file.offset)
            file.mark = ingest.lastBytesRead(upTo: Self.markLength)
            file.markEnd = file.offset
        }
        return false
    }

    /// Starts `file` over from its start when it was truncated since it was last read, after reading the
    /// rest of what it held from its copy if there is one; again if it was truncated once more meanwhile
    /// (another rotation while the copy was read).
    private func restartIfTruncated(_ file: FollowedFile, besides followed: Set<FileIdentity>) {
        while ingest.shouldContinue, let size = truncatedSize(of: file) {
            restart(file, truncatedTo: size, besides: followed)
        }
    }

    /// The size of `file` when it was truncated since it was last read; `nil` when it only grew.
    private func truncatedSize(of file: FollowedFile) -> off_t? {
        var status = stat()
        guard fstat(file.descriptor, &status) == 0 else { return nil }
        let size = status.st_size
        guard
            size >= file.offset && size >= file.knownSize
                && stillHolds(file.mark, before: file.markEnd, in: file.descriptor)
                && stillHolds(file.head, before: off_t(file.head.count), in: file.descriptor)
        else { return size }
        file.knownSize = size
        return nil
    }

    /// Reads the rest of truncated `file` from its copy if there is one, reports what was lost, and starts
    /// the file over from its start.
    private func restart(_ file: FollowedFile, truncatedTo size: off_t, besides followed: Set<FileIdentity>) {
        // What the file holds now, taken before the copy is read: if it is truncated again meanwhile
        // (another rotation), the next check notices, and these bytes find that rotation's copy.
        let newHead = Self.bytes(of: file.descriptor, at: 0, count: min(Self.markLength, Int(size)))
        let newMarkLength = min(Self.markLength, Int(size))
        let newMark = Self.bytes(of: file.descriptor, at: size - off_t(newMarkLength), count: newMarkLength)
        let copy = readRest(of: file, fromCopyBesides: followed)
        let unread = max(0, file.knownSize - (copy?.size ?? file.offset))
        let lines = file.stream.lines
        let csv = file.stream.csv
        let name = file.stream.name
        var message = "was truncated; "
        if let copy { message += "read the rest of it from its copy '\(copy.path)', then " }
        message += "reading it again from its start"
        if unread > 0 { message += " (\(unread) bytes written before the truncation were never read)" }
        if !lines.partial.isEmpty || lines.skippedBytes != nil || csv.parser.isOpen {
            let line = csv.parser.isOpen ? csv.startLine : lines.lineNumber + 1
            output.reject(1, reason: .fileTruncated, message: "\(name):\(line): the file \(message); this line is lost")
        } else {
            log.warn(reason: .fileTruncated, "\(name): the file \(message)")
        }
        output.count(.truncations, 1)
        if unread > 0 { output.count(.truncatedUnreadBytes, Int(unread)) }
        lseek(file.descriptor, 0, SEEK_SET)
        file.offset = 0
        file.knownSize = size
        // A file that shrank since the fstat above has no mark; the next check starts it over again.
        let markIsWhole = newMark.count == newMarkLength
        file.mark = markIsWhole ? newMark : []
        file.markEnd = markIsWhole ? size : 0
        file.head = newHead
        file.stream.restart()
    }

    /// Finds the copy of truncated `file` beside it (a file in its folder whose name begins with its name,
    /// not among `followed`, holding its first bytes and its mark) and reads the copy from the file's read
    /// position to its end into the file's stream. Returns the copy's path and size; `nil` when
    /// there is none.
    private func readRest(of file: FollowedFile, fromCopyBesides followed: Set<FileIdentity>) -> (
        path: String, size: off_t
    )? {
        guard !file.head.isEmpty else { return nil }
        let name = file.stream.name
        let slash = name.lastIndex(of: "/")
        let folder = slash.map { String(name[..<$0]) } ?? "."
        let base = slash.map { String(name[name.index(after: $0)...]) } ?? name
        for entry in FolderEntries.names(in: folder) where entry.hasPrefix(base) && entry != base {
            let path = folder + "/" + entry
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
                !followed.contains(FileIdentity(status)), status.st_size >= max(file.offset, file.markEnd),
                stillHolds(file.head, before: off_t(file.head.count), in: descriptor),
                stillHolds(file.mark, before: file.markEnd, in: descriptor),
                lseek(descriptor, file.offset, SEEK_SET) == file.offset
            else { continue }
            while ingest.shouldContinue && ingest.readChunk(from: descriptor, stream: &file.stream) > 0 {}
            return (path, status.st_size)
        }
        return nil
    }

    /// True when the bytes of `descriptor` just before `position` are `expected`.
    private func stillHolds(_ expected: [UInt8], before position: off_t, in descriptor: Int32) -> Bool {
        expected.isEmpty
            || Self.bytes(of: descriptor, at: position - off_t(expected.count), count: expected.count) == expected
    }

    /// The `count` bytes of `descriptor` at `position`; fewer when the file ends first.
    private static func bytes(of descriptor: Int32, at position: off_t, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { buffer in
            buffer.isEmpty ? 0 : pread(descriptor, buffer.baseAddress!, buffer.count, position)
        }
        return Array(bytes.prefix(max(0, read)))
    }
}

/// Listing a folder, without Foundation.
enum FolderEntries {
    /// The names in `folder` (without `.` and `..`), sorted; empty when it cannot be read.
    static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
