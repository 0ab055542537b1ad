/// A set of stage types by name and kind: the plugin interface.
///
/// The registry is a value, not a global: the runner builds one from `BuiltinStages.all` and the plugins
/// it loads; tests build small ones. A name is unique within a kind (a `file` source and a `file` sink
/// are two types); registering a second type under a taken name and kind is refused.
public struct StageRegistry: Sendable {
    /// A registered stage type, with its config type erased.
    public struct Entry: Sendable {
        /// The name used as `type:` in pipeline files.
        public let typeName: String
        /// One sentence for `runner stages`.
        public let summary: String
        /// Every option the config reads.
        public let options: [OptionDoc]
        /// A complete pipeline file that uses this stage.
        public let example: String
        /// Reads and validates options; `nil` with diagnostics on the reader when invalid.
        public let readConfig: @Sendable (inout OptionsReader) -> (any StageConfig)?
        /// Builds the runtime from what `readConfig` returned.
        public let factory: StageFactory
        /// What the type's code is, for types whose code lives outside the runner (a plugin's files): a
        /// digest that changes when that code changes, so a reload replaces the stages of that type. Empty
        /// for types compiled into the runner.
        public let revision: String

        /// The section this type belongs in: its factory's kind.
        public var kind: StageKind { factory.kind }

        /// A stage type from values, for stages whose configuration is only known at run time (a plugin
        /// described by a file): `readConfig` reads the options and `factory` builds the runtime of
        /// what it read; the factory's case is the kind.
        public init(
            typeName: String, summary: String, options: [OptionDoc], example: String,
            readConfig: @escaping @Sendable (inout OptionsReader) -> (any StageConfig)?, factory: StageFactory,
            revision: String = ""
        ) {
            self.revision = revision
            self.typeName = typeName
            self.summary = summary
            self.options = options
            self.example = example
            self.readConfig = readConfig
            self.factory = factory
        }

        /// The entry of stage type `stage`.
        public init<S: Stage>(_ stage: S.Type) {
            self.init(
                typeName: S.typeName, summary: S.summary, options: S.options, example: S.example,
                readConfig: { reader in S.Config(reading: &reader) }, factory: S.factory)
        }
    }

    /// A type's name and kind: what must be unique.
    private struct Key: Hashable {
        let typeName: String
        let kind: StageKind
    }

    private var entries: [Key: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// Adds stage type `stage`; throws when a type of its kind is registered under its name already.
    public mutating func register<S: Stage>(_ stage: S.Type) throws(StageRegistryError) {
        try register(Entry(stage))
    }

    /// Adds `entry`; throws when a type of its kind is registered under its name already.
    public mutating func register(_ entry: Entry) throws(StageRegistryError) {
        let key = Key(typeName: entry.typeName, kind: entry.kind)
        guard entries[key] == nil else { throw .duplicate(typeName: entry.typeName, kind: entry.kind) }
        entries[key] = entry
    }

    /// The stage type named `name` in the section of `kind`.
    public func entry(named name: String, kind: StageKind) -> Entry? {
        entries[Key(typeName: name, kind: kind)]
    }

    /// Every registered type, sorted by kind then name.
    public var all: [Entry] {
        entries.values.sorted {
            ($0.kind.sortIndex, $0.typeName) < ($1.kind.sortIndex, $1.typeName)
        }
    }

    /// Type names registered for `kind`.
    public func names(of kind: StageKind) -> [String] {
        all.filter { $0.kind == kind }.map(\.typeName)
    }
}

/// Why a stage type could not be registered.
public enum StageRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A type of this kind is registered under this name already.
    case duplicate(typeName: String, kind: StageKind)

    public var description: String {
        switch self {
        case .duplicate(let typeName, let kind):
            return "a \(kind.rawValue) type named '\(typeName)' is registered already"
        }
    }
}

extension StageKind {
    fileprivate var sortIndex: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
