import ArgumentParser
import SluiceConfig
import SluiceCore
import SluiceGraph
import SluiceService

#if canImport(Glibc)
    import Glibc
#endif

/// Turns the paths given on the command line into compiled graphs, printing diagnostics as
/// `FILE:LINE:COL: error: message`.
struct PipelineFiles {
    /// The stage types, read again when plugins change: each compile uses them as they are then.
    let catalog: StageCatalog
    let loader = PipelineLoader()

    /// The pipeline files named by `paths`: files as given, folders expanded to their `*.yaml`/`*.yml`
    /// files in name order.
    func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw ValidationError("cannot open '\(path)': \(String(cString: strerror(errno)))")
            }
            if Self.isFolder(path) {
                let found = PipelineFolder.yamlFiles(in: path)
                if found.isEmpty { throw ValidationError("no *.yaml files in folder '\(path)'") }
                files += found
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Loads and compiles every file as pipelines that run together, so their names must differ;
    /// diagnostics of all of them (warnings too) are printed to standard error. Returns the graphs, or nil
    /// when any file has an error.
    func compileAll(_ files: [String]) -> [StageGraph]? {
        let (graphs, failed) = compileEach(files)
        var duplicated = false
        var seen: [String: String] = [:]
        for graph in graphs {
            if let other = seen[graph.name] {
                StandardError.write("\(graph.duplicateNameError(usedBy: other))\n")
                duplicated = true
            }
            seen[graph.name] = graph.file
        }
        return failed || duplicated ? nil : graphs
    }

    /// Loads and compiles each file on its own (two versions of one pipeline may share a name), printing
    /// every file's diagnostics to standard error. Returns the graphs that compiled, and whether any failed.
    func compileEach(_ files: [String]) -> (graphs: [StageGraph], failed: Bool) {
        var graphs: [StageGraph] = []
        var failed = false
        for file in files {
            switch compile(file) {
            case .success(let graph):
                if !graph.warnings.isEmpty { StandardError.write(graph.warnings.description + "\n") }
                graphs.append(graph)
            case .failure(let diagnostics):
                StandardError.write(diagnostics.description + "\n")
                failed = true
            }
        }
        return (graphs, failed)
    }

    func compile(_ file: String) -> Result<StageGraph, Diagnostics> {
        GraphCompiler(registry: catalog.registry).compile(file: file, loader: loader)
    }

    /// True when `path` names a folder.
    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
