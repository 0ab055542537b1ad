import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Loads pipeline files into `PipelineDefinition`s, collecting every problem as a positioned diagnostic.
public struct PipelineLoader: Sendable {
    /// Variables for `${VAR}` substitution.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessEnvironment.current) {
        self.environment = environment
    }

    /// Reads and loads the file at `path`.
    public func load(file path: String) -> Result<PipelineDefinition, Diagnostics> {
        switch TextFile.read(path) {
        case .success(let text): return load(text: text, file: path)
        case .failure(let error):
            return .failure(Diagnostics([Diagnostic(code: .io, message: "\(error)", location: nil)]))
        }
    }

    /// Loads pipeline text that came from `file`.
    public func load(text: String, file: String) -> Result<PipelineDefinition, Diagnostics> {
        var diagnostics = Diagnostics()
        guard let root = YAMLDocument.parse(text, file: file, environment: environment, diagnostics: &diagnostics)
        else { return .failure(diagnostics) }
        guard let entries = root.entries else {
            diagnostics.error(.wrongType, "a pipeline file must be a mapping, found \(root.shapeName)", at: root.location)
            return .failure(diagnostics)
        }
        var name = Self.stem(of: file)
        var stages: [StageDefinition] = []
        let topLevelKeys = ["name"] + StageKind.allCases.map(\.section)
        for entry in entries {
            if entry.key == "name" {
                if let text = entry.value.scalar, !text.isEmpty { name = text } else {
                    diagnostics.error(.wrongType, "'name' must be a non-empty string", at: entry.value.location)
                }
            } else if let kind = StageKind(section: entry.key) {
                stages += readSection(entry.value, kind: kind, diagnostics: &diagnostics)
            } else {
                diagnostics.error(
                    .unknownField, "unknown top-level key '\(entry.key)'", at: entry.keyLocation,
                    suggestion: Suggestion.closest(to: entry.key, among: topLevelKeys))
            }
        }
        checkUniqueIds(stages, diagnostics: &diagnostics)
        if stages.isEmpty && !diagnostics.hasErrors {
            diagnostics.error(.missingField, "the pipeline has no stages", at: root.location)
        }
        if diagnostics.hasErrors { return .failure(diagnostics) }
        return .success(PipelineDefinition(name: name, file: file, stages: stages))
    }

    private func readSection(_ node: ConfigNode, kind: StageKind, diagnostics: inout Diagnostics) -> [StageDefinition] {
        if case .scalar(let text, _) = node.content, text.isEmpty { return [] }  // `sinks:` left empty
        guard let entries = node.entries else {
            diagnostics.error(
                .wrongType, "'\(kind.section)' must be a mapping of stage ids to stages, found \(node.shapeName)",
                at: node.location)
            return []
        }
        return entries.compactMap { readStage($0, kind: kind, diagnostics: &diagnostics) }
    }

    private func readStage(
        _ entry: ConfigNode.Entry, kind: StageKind, diagnostics: inout Diagnostics
    ) -> StageDefinition? {
        let id = entry.key
        let body = entry.value
        if id.isEmpty || id.contains(".") || id.contains(where: \.isWhitespace) {
            diagnostics.error(
                .invalidValue, "stage id '\(id)' must be non-empty, without dots or spaces", at: entry.keyLocation)
        }
        guard body.entries != nil else {
            diagnostics.error(
                .wrongType, "expected a mapping with 'type' and options, found \(body.shapeName)", at: body.location,
                stage: id)
            return nil
        }
        guard let typeNode = body["type"], let typeName = typeNode.scalar, !typeName.isEmpty else {
            diagnostics.error(.missingField, "missing required key 'type'", at: entry.keyLocation, stage: id)
            return nil
        }
        let inputs = readInputs(body["inputs"], kind: kind, stage: id, at: entry.keyLocation, diagnostics: &diagnostics)
        var parallelism = 1
        if let node = body["parallelism"] {
            if let text = node.scalar, let value = Int(text), value >= 1 { parallelism = value } else {
                diagnostics.error(
                    .invalidValue, "'parallelism' must be a whole number of at least 1", at: node.location, stage: id)
            }
        }
        return StageDefinition(
            id: id, location: entry.keyLocation, kind: kind, typeName: typeName, typeLocation: typeNode.location,
            inputs: inputs, parallelism: parallelism, options: body)
    }

    private func readInputs(
        _ node: ConfigNode?, kind: StageKind, stage: String, at location: SourceLocation,
        diagnostics: inout Diagnostics
    ) -> [InputReference] {
        guard kind.hasInputs else {
            if let node { diagnostics.error(.unknownField, "sources take no 'inputs'", at: node.location, stage: stage) }
            return []
        }
        guard let node else {
            diagnostics.error(.missingField, "missing required key 'inputs'", at: location, stage: stage)
            return []
        }
        let items = node.items ?? [node]
        var inputs: [InputReference] = []
        for item in items {
            guard let text = item.scalar, !text.isEmpty else {
                diagnostics.error(.wrongType, "'inputs' must list stage ids", at: item.location, stage: stage)
                continue
            }
            inputs.append(InputReference(parsing: text, location: item.location))
        }
        if items.isEmpty {
            diagnostics.error(.missingField, "'inputs' must name at least one stage", at: node.location, stage: stage)
        }
        return inputs
    }

    private func checkUniqueIds(_ stages: [StageDefinition], diagnostics: inout Diagnostics) {
        var seen: [String: StageDefinition] = [:]
        for stage in stages {
            if let first = seen[stage.id] {
                diagnostics.error(
                    .duplicateStage,
                    "stage id '\(stage.id)' is already used by the \(first.kind.rawValue) at line \(first.location.line)",
                    at: stage.location)
            } else {
                seen[stage.id] = stage
            }
        }
    }

    /// The file name without folders and extension: the default pipeline name.
    static func stem(of path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        return String(base[..<dot])
    }
}

/// The process's environment variables.
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
