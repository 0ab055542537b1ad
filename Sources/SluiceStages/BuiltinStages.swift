import SluiceCore

/// The stage types that ship with the runner: one explicit list, registered exactly as a plugin
/// registers its own.
public enum BuiltinStages {
    /// Registers every built-in stage type into `registry`.
    public static func register(into registry: inout StageRegistry) {
        registry.register(FileSource.self)
        registry.register(StdinSource.self)
        registry.register(GenerateSource.self)
        registry.register(CleanTransform.self)
        registry.register(EnrichTransform.self)
        registry.register(FilterTransform.self)
        registry.register(RouteTransform.self)
        registry.register(RenameTransform.self)
        registry.register(RemoveTransform.self)
        registry.register(WindowedAggregation.self)
        registry.register(StdoutSink.self)
        registry.register(FileSink.self)
        registry.register(BlackholeSink.self)
        registry.register(SQLiteSink.self)
    }

    /// A registry holding the built-in stage types.
    public static var registry: StageRegistry {
        var registry = StageRegistry()
        register(into: &registry)
        return registry
    }
}
