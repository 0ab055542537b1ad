import SluiceCore

/// The stage types that ship with the runner: one explicit list, registered exactly as a plugin
/// registers its own.
public enum BuiltinStages {
    /// Every built-in stage type, in the order `runner stages` lists kinds.
    public static var all: [any Stage.Type] {
        [
            FileSource.self,
            StdinSource.self,
            GenerateSource.self,
            SQLSource.self,
            KafkaSource.self,
            CleanTransform.self,
            EnrichTransform.self,
            FilterTransform.self,
            RouteTransform.self,
            RenameTransform.self,
            RemoveTransform.self,
            WindowedAggregation.self,
            StdoutSink.self,
            FileSink.self,
            BlackholeSink.self,
            SQLiteSink.self,
            PostgresSink.self,
            KafkaSink.self,
        ]
    }

    /// Registers every built-in stage type into `registry`; throws when one's name is taken already in its
    /// kind (by a plugin registered first, say).
    public static func register(into registry: inout StageRegistry) throws(StageRegistryError) {
        for stage in all { try registry.register(stage) }
    }

    /// A registry holding the built-in stage types.
    public static var registry: StageRegistry {
        var registry = StageRegistry()
        do {
            try register(into: &registry)
        } catch {
            // Two built-ins under one name and kind is a programming error, which BuiltinStagesTests catches.
            preconditionFailure("the built-in stages clash: \(error)")
        }
        return registry
    }
}
