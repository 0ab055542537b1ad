import SluiceCore

/// Hard limits on a pipeline file, so that a broken or hostile file is refused with a diagnostic instead
/// of exhausting memory or the stack of the runner that loads (or reloads) it.
public struct ConfigLimits: Sendable, Equatable {
    /// The largest file accepted, in bytes (1 MiB).
    public var maxBytes: Int
    /// The deepest nesting of mappings and lists accepted.
    public var maxDepth: Int
    /// The most YAML values (scalars, mappings and lists) one file may hold.
    public var maxNodes: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxNodes: Int = 250_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// The limits `runner` applies.
    public static let standard = ConfigLimits()
}

extension DiagnosticCode {
    /// The file breaks one of the `ConfigLimits`.
    public static let configLimit: DiagnosticCode = "config-limit"
    /// A YAML feature pipeline files do not use: anchors, aliases, custom tags, several documents.
    public static let yamlUnsupported: DiagnosticCode = "yaml-unsupported"
    /// A key appears twice in one mapping.
    public static let duplicateKey: DiagnosticCode = "duplicate-key"
}
