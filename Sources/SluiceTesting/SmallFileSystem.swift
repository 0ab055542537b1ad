#if canImport(Glibc)
    import Glibc
#endif

/// A tmpfs of a few pages mounted on a fresh folder, for tests of a full file system; unmounted when
/// released. Mounting needs root (CAP_SYS_ADMIN): where it is not permitted, `init` returns nil and tests
/// that need one are skipped.
public final class SmallFileSystem {
    /// Whether this process may mount a tmpfs; probed once.
    public static let isAvailable: Bool = SmallFileSystem(bytes: 4096) != nil

    /// The folder the file system is mounted on.
    public let path: String
    private var filler: String { path + "/.filler" }

    /// Mounts a tmpfs of `bytes` (rounded up to whole pages) on a new folder under /tmp.
    public init?(bytes: Int) {
        var template = Array("/tmp/sluice-tmpfs-XXXXXX".utf8CString)
        guard let folder = mkdtemp(&template) else { return nil }
        path = String(cString: folder)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(bytes)") == 0 else {
            rmdir(path)
            return nil
        }
    }

    deinit {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    /// The bytes still free.
    public var freeBytes: Int {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return 0 }
        return Int(status.f_bavail) * Int(status.f_bsize)
    }

    /// Takes all free space but `bytes` (rounded down to whole pages) with a file that `makeRoom` removes.
    public func fill(leaving bytes: Int) {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let page = [UInt8](repeating: 0x2E, count: 4096)
        while freeBytes > bytes {
            guard page.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) == page.count else { return }
        }
    }

    /// Gives back the space `fill` took.
    public func makeRoom() {
        unlink(filler)
    }
}
