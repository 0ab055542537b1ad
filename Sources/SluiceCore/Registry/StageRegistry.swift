/// A set of stage types by name: the plugin interface.
///
/// The registry is a value, not a global: the runner builds one from `BuiltinStages.all` and the plugins
/// it loads; tests build small ones.
public struct StageRegistry: Sendable {
    /// A registered stage type, with its config type erased.
    public struct Entry: Sendable {
        public let typeName: String
        public let kind: StageKind
        public let summary: String
        public let options: [OptionDoc]
        public let example: String
        /// Reads and validates options; `nil` with diagnostics on the reader when invalid.
        public let readConfig: @Sendable (inout OptionsReader) -> (any StageConfig)?
    }

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Adds stage type `stage`; a later registration of the same name replaces the earlier one.
    public mutating func register<S: Stage>(_ stage: S.Type) {
        entries[S.typeName + "/" + S.kind.rawValue] = Entry(
            typeName: S.typeName, kind: S.kind, summary: S.summary, options: S.options, example: S.example,
            readConfig: { reader in S.Config(reading: &reader) })
    }

    /// The stage type named `name` in the section of `kind`.
    public func entry(named name: String, kind: StageKind) -> Entry? {
        entries[name + "/" + kind.rawValue]
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

extension StageKind {
    fileprivate var sortIndex: Int { Self.allCases.firstIndex(of: self)! }
}
