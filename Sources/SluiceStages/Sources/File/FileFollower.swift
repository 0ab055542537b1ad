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
/// again between two polls). A truncated file is read again from its start; an unfinished line is never
/// joined to what follows but rejected as `file_truncated`, and bytes known but never read are counted.
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
        /// The last bytes read (up to `markLength`), ending at `offset`.
        var mark: [UInt8] = []
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
            // Files already followed first, in the order they were found.
            var kept: [FollowedFile] = []
            for file in followed {
                let reachedEnd = drain(file)
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
                _ = drain(file)
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

    /// Reads what was appended to `file` since the last poll. Returns true when it reached the end of the
    /// data, false when it stopped first (the pipeline is stopping, or a read failed).
    private func drain(_ file: FollowedFile) -> Bool {
        while ingest.shouldContinue {
            restartIfTruncated(file)
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
            file.offset += off_t(count)
            file.knownSize = max(file.knownSize, file.offset)
            file.mark = ingest.lastBytesRead(upTo: Self.markLength)
        }
        return false
    }

    /// Starts `file` over from its start when it was truncated since it was last read.
    private func restartIfTruncated(_ file: FollowedFile) {
        var status = stat()
        guard fstat(file.descriptor, &status) == 0 else { return }
        let size = status.st_size
        if size >= file.offset && size >= file.knownSize && stillHolds(file) {
            file.knownSize = size
            return
        }
        let unread = max(0, file.knownSize - file.offset)
        let lines = file.stream.lines
        let csv = file.stream.csv
        let name = file.stream.name
        var message = "was truncated; reading it again from its start"
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
        file.mark = []
        file.stream.restart()
    }

    /// True when the bytes before `file`'s read position are still the ones that were read there.
    private func stillHolds(_ file: FollowedFile) -> Bool {
        guard !file.mark.isEmpty else { return true }
        var current = [UInt8](repeating: 0, count: file.mark.count)
        let start = file.offset - off_t(file.mark.count)
        let count = current.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress!, $0.count, start) }
        return count == file.mark.count && current == file.mark
    }
}
