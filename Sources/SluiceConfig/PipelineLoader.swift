import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Loads pipeline files into `PipelineDefinition`s, collecting every problem as a positioned diagnostic.
public struct PipelineLoader: Sendable {
    /// Variables for `${VAR}` substitution.
    public var environment: [String: String]
    /// Bounds on the file's size, nesting and node count.
    public var limits: ConfigLimits

    public init(environment: [String: String] = ProcessEnvironment.current, limits: ConfigLimits = .standard) {
        self.environment = environment
        self.limits = limits
    }

    /// Reads and loads the file at `path`.
    public func load(file path: String) -> Result<PipelineDefinition, Diagnostics> {
        read(file: path).result
    }

    /// Loads pipeline text that came from `file`.
    public func load(text: String, file: String) -> Result<PipelineDefinition, Diagnostics> {
        read(bytes: Array(text.utf8), file: file).result
    }

    /// Reads the file at `path`, keeping the definition beside problems that leave its stages intact.
    public func read(file path: String) -> PipelineLoad {
        // Reading stops just past the limit, so a huge file is refused without being read whole.
        switch TextFile.readBytes(path, limit: limits.maxBytes) {
        case .success(let bytes): return read(bytes: bytes, file: path)
        case .failure(let error):
            return PipelineLoad(
                definition: nil, diagnostics: Diagnostics([Diagnostic(code: .io, message: "\(error)", location: nil)]),
                flowSplits: [])
        }
    }

    /// Reads pipeline text (UTF-8 bytes) that came from `file`, keeping the definition beside problems
    /// that leave its stages intact (an unknown top-level key, a missing `sinks` section), so a compiler can
    /// report its own problems with them.
    public func read(bytes: [UInt8], file: String) -> PipelineLoad {
        let document = YAMLDocument(bytes: bytes, file: file, environment: environment, limits: limits)
        var diagnostics = document.diagnostics
        let documentFailed = diagnostics.hasErrors
        guard let root = document.root else {
            return PipelineLoad(definition: nil, diagnostics: diagnostics, flowSplits: document.flowSplits)
        }
        guard let entries = root.entries else {
            diagnostics.error(
                .wrongType, "a pipeline file must be a mapping, found \(root.shapeName)", at: root.location)
            return PipelineLoad(definition: nil, diagnostics: diagnostics, flowSplits: document.flowSplits)
        }
        // Problems in the sections make the stage list unreliable; the others do not.
        var stageDiagnostics = Diagnostics()
        var name = Self.stem(of: file)
        var nameLocation: SourceLocation?
        var stages: [StageDefinition] = []
        var hasSinks = false
        let topLevelKeys = ["name"] + StageKind.allCases.map(\.section)
        for entry in entries {
            if entry.key == "name" {
                if let text = entry.value.scalar, !text.isEmpty {
                    name = text
                    nameLocation = entry.value.location
                } else {
                    diagnostics.error(.wrongType, "'name' must be a non-empty string", at: entry.value.location)
                }
            } else if let kind = StageKind(section: entry.key) {
                stages += readSection(entry.value, kind: kind, diagnostics: &stageDiagnostics)
                if kind == .sink, entry.value.entries?.isEmpty == false { hasSinks = true }
            } else {
                diagnostics.error(
                    .unknownField, "unknown top-level key '\(entry.key)'", at: entry.keyLocation,
                    suggestion: Suggestion.closest(to: entry.key, among: topLevelKeys))
            }
        }
        checkUniqueIds(stages, diagnostics: &stageDiagnostics)
        if stages.isEmpty && !stageDiagnostics.hasErrors && !diagnostics.hasErrors {
            stageDiagnostics.error(.missingField, "the pipeline has no stages", at: root.location)
        } else if !stages.isEmpty && !hasSinks {
            diagnostics.error(
                .missingField,
                "the pipeline has no sinks, so its events would go nowhere; add a 'sinks' section "
                    + "(type 'blackhole' discards events on purpose)",
                at: root.location)
        }
        diagnostics.append(contentsOf: stageDiagnostics)
        let definition = PipelineDefinition(name: name, nameLocation: nameLocation, file: file, stages: stages)
        return PipelineLoad(
            definition: documentFailed || stageDiagnostics.hasErrors ? nil : definition,
            diagnostics: diagnostics, flowSplits: document.flowSplits)
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
            if let text = node.scalar, let value = Int(text), value >= 1 {
                parallelism = value
            } else {
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
            if let node {
                diagnostics.error(.unknownField, "sources take no 'inputs'", at: node.location, stage: stage)
            }
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

/// What reading a pipeline file found: the definition, when its stages could be read, and every problem.
///
/// A definition can come with errors that leave its stages intact (an unknown top-level key, no sinks):
/// the compiler still checks it, so one mistake does not hide the others. It must not run.
public struct PipelineLoad: Sendable {
    /// The pipeline, when its stages could be read; check `diagnostics` before using it.
    public var definition: PipelineDefinition?
    /// Every problem found, in the order found.
    public var diagnostics: Diagnostics
    /// Values YAML cut at a comma; `Diagnostics.withHints(for:)` adds a hint to the diagnostics they cause.
    public var flowSplits: [FlowSplit]

    public init(definition: PipelineDefinition?, diagnostics: Diagnostics, flowSplits: [FlowSplit]) {
        self.definition = definition
        self.diagnostics = diagnostics
        self.flowSplits = flowSplits
    }

    /// The definition when there are no errors, otherwise every diagnostic (with the flow-split hints).
    public var result: Result<PipelineDefinition, Diagnostics> {
        guard let definition, !diagnostics.hasErrors else { return .failure(diagnostics.withHints(for: flowSplits)) }
        return .success(definition)
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
