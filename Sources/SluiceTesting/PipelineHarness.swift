import SluiceConfig
import SluiceCore
import SluiceEngine
import SluiceGraph

/// Compiles pipeline YAML against a registry and runs it on a real engine, for tests.
public struct PipelineHarness: Sendable {
    public var registry: StageRegistry

    /// A harness whose registry holds `registry`'s stages plus the test stages; throws when `registry` has
    /// a `test_source` or `test_sink` already.
    public init(registry: StageRegistry = StageRegistry()) throws(StageRegistryError) {
        var registry = registry
        try registry.register(TestSource.self)
        try registry.register(TestSink.self)
        self.registry = registry
    }

    /// Loads and compiles `yaml` as if read from `file`.
    public func compile(_ yaml: String, file: String = "test.yaml", environment: [String: String] = [:])
        -> Result<StageGraph, Diagnostics>
    {
        GraphCompiler(registry: registry).compile(
            text: yaml, file: file, loader: PipelineLoader(environment: environment))
    }

    /// Compiles and runs `yaml` to completion with `options`, returning the stage counters; throws
    /// `WaitTimedOut` if it has not finished within `seconds`.
    public func run(_ yaml: String, options: EngineOptions = EngineOptions(), within seconds: Double = 120) throws
        -> [StageMetricsSnapshot]
    {
        let graph = try compile(yaml).get()
        let engine = Engine(options: options)
        defer { engine.shutdown() }
        let pipeline = try engine.start(graph)
        try pipeline.waitFinished(within: seconds)
        return pipeline.snapshot()
    }
}
