import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where an incremental `sql` source keeps its cursor between runs: a small JSON file,
/// `{"column":"id","value":1234}`, replaced atomically on every save (written to a temporary file beside
/// it, fsynced, renamed over it, and the folder fsynced), so a crash leaves the old cursor or the new one,
/// never a mix.
struct CursorStateFile {
    let path: String

    /// The cursor saved for `column`; `nil` when there is no file yet, or when it holds the cursor of
    /// another column (the pipeline changed `cursor.column`: the old position means nothing for the new one).
    func load(column: String) throws(StageFailure) -> Value? {
        var status = stat()
        if stat(path, &status) != 0 && errno == ENOENT { return nil }
        let bytes: [UInt8]
        switch TextFile.readBytes(path, limit: 1 << 20) {
        case .success(let read): bytes = read
        case .failure(let error): throw StageFailure("cannot read the cursor state: \(error)")
        }
        var reader = JSONReader()
        let state: Event
        do {
            state = try reader.readEvent(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw StageFailure(
                "the cursor state '\(path)' is not valid: \(error); delete it to read from cursor.start again")
        }
        guard case .string(let saved)? = state["column"], saved == column else { return nil }
        return state["value"]
    }

    /// Creates the file's folder, so a path that cannot hold the state fails the source at its start.
    func prepare() throws(StageFailure) {
        try OutputFile.createParentDirectories(of: path)
    }

    /// Replaces the file with `value` as the cursor of `column`.
    func save(column: String, value: Value) throws(StageFailure) {
        var writer = JSONWriter(cachesKeys: false)
        writer.write(Event(["column": .string(column), "value": value]))
        writer.bytes.append(0x0A)
        let temporary = path + ".tmp"
        try writeDurably(writer.bytes, to: temporary)
        guard rename(temporary, path) == 0 else { throw failure("rename '\(temporary)' to '\(path)'") }
        // The rename is durable once the folder is.
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let folderFD = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            defer { close(folderFD) }
            guard fsync(folderFD) == 0 else { throw failure("fsync the folder of '\(path)'") }
        }
    }

    private func failure(_ operation: String) -> StageFailure {
        StageFailure("cannot save the cursor state: cannot \(operation): \(String(cString: strerror(errno)))")
    }

    /// Writes `bytes` into a new `file` and fsyncs it.
    private func writeDurably(_ bytes: [UInt8], to file: String) throws(StageFailure) {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create '\(file)'") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("write '\(file)'") }
            written += count
        }
        guard fsync(fd) == 0 else { throw failure("fsync '\(file)'") }
    }
}
