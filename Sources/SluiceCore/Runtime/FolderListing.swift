#if canImport(Glibc)
    import Glibc
#endif

/// What a folder holds, for the code that finds pipeline files and plugins and watches them.
package enum FolderListing {
    /// The names in `folder` that do not begin with a dot, sorted; none when it cannot be read.
    package static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// The sub-folders of `folder` (not hidden), sorted, as paths under it.
    package static func subfolders(of folder: String) -> [String] {
        names(in: folder).map { join(folder, $0) }.filter { isFolder($0) }
    }

    /// The regular files under `folder`, at most `depth` folders down, sorted, as paths under it;
    /// hidden names and Python's `__pycache__` folders are passed over.
    package static func files(under folder: String, depth: Int = 3) -> [String] {
        var found: [String] = []
        for name in names(in: folder) where name != "__pycache__" {
            let path = join(folder, name)
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                if depth > 0 { found += files(under: path, depth: depth - 1) }
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                found.append(path)
            }
        }
        return found
    }

    /// True when `path` names a folder.
    package static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
