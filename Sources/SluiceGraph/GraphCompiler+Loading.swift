import SluiceConfig
import SluiceCore

extension GraphCompiler {
    /// Loads the file at `file` with `loader` and compiles it. The loader's and the compiler's diagnostics
    /// come together: a problem that leaves the stages intact (an unknown top-level key) does not hide the
    /// stages' own problems.
    public func compile(file: String, loader: PipelineLoader) -> Result<StageGraph, Diagnostics> {
        compile(loader.read(file: file))
    }

    /// Like `compile(file:loader:)` for pipeline text that came from `file`.
    public func compile(text: String, file: String, loader: PipelineLoader) -> Result<StageGraph, Diagnostics> {
        compile(loader.read(bytes: Array(text.utf8), file: file))
    }

    private func compile(_ load: PipelineLoad) -> Result<StageGraph, Diagnostics> {
        var diagnostics = load.diagnostics
        guard let definition = load.definition else { return .failure(diagnostics.withHints(for: load.flowSplits)) }
        switch compile(definition) {
        case .success(let graph) where !diagnostics.hasErrors: return .success(graph)
        case .success: break
        case .failure(let found): diagnostics.append(contentsOf: found)
        }
        return .failure(diagnostics.withHints(for: load.flowSplits))
    }
}
