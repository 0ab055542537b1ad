import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// `mode: tail`: follows every file matching the pattern, polling for appended data.
///
/// Files are read from their start. Each poll re-expands the glob (picking up new files), reads what was
/// appended, and checks every file for rotation (the path now names another inode: the old file is read
/// to its end, its unfinished last line ends it, and the new file is read from its start) and truncation
/// (the file is shorter than what was read: it is read again from its start).
struct FileFollower {
    private final class FollowedFile {
        let descriptor: Int32
        let inode: ino_t
        let device: dev_t
        var offset: off_t = 0
        var stream: InputStream

        init(descriptor: Int32, status: stat, path: String) {
            self.descriptor = descriptor
            inode = status.st_ino
            device = status.st_dev
            stream = InputStream(name: path)
        }

        deinit {
            close(descriptor)
        }

        func isSameFile(as status: stat) -> Bool {
            status.st_ino == inode && status.st_dev == device
        }
    }

    let config: FileSourceConfig
    let ingest: LineIngest
    let log: StageLog
    let output: any SourceOutput

    func run() {
        var files: [String: FollowedFile] = [:]
        var failedPaths: Set<String> = []
        while ingest.shouldContinue {
            for path in FileGlob.paths(matching: config.path) where files[path] == nil {
                if let file = open(path, reportingFailure: !failedPaths.contains(path)) {
                    files[path] = file
                    failedPaths.remove(path)
                } else {
                    failedPaths.insert(path)
                }
            }
            for path in files.keys.sorted() where ingest.shouldContinue {
                files[path] = follow(files[path]!, path: path)
            }
            // Deliver what this poll found before waiting for more.
            ingest.flush()
            if ingest.shouldContinue { output.sleep(seconds: config.pollInterval.seconds) }
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

    /// Reads what was appended to `file`, then returns the file to follow at `path` from now on: the
    /// same one, a replacement after rotation, or `nil` when the path is gone.
    private func follow(_ file: FollowedFile, path: String) -> FollowedFile? {
        var status = stat()
        if fstat(file.descriptor, &status) == 0, status.st_size < file.offset {
            // Truncated: what follows is new data from the start; an unfinished line before it is lost.
            lseek(file.descriptor, 0, SEEK_SET)
            file.offset = 0
            file.stream.restart()
        }
        drain(file)
        guard ingest.shouldContinue else { return file }
        var current = stat()
        if stat(path, &current) == 0, file.isSameFile(as: current) { return file }
        // Rotated or removed: the old file has been read to its end, so its last line is complete.
        drain(file)
        ingest.finish(&file.stream)
        return stat(path, &current) == 0 ? open(path, reportingFailure: true) : nil
    }

    private func drain(_ file: FollowedFile) {
        while ingest.shouldContinue {
            let count = ingest.readChunk(from: file.descriptor, stream: &file.stream)
            if count > 0 {
                file.offset += off_t(count)
            } else {
                if count < 0 { log.error("cannot read '\(file.stream.name)': \(SystemError.lastMessage)") }
                return
            }
        }
    }
}
