/// Why the engine could not start a pipeline.
public struct EngineError: Error, CustomStringConvertible {
    public let pipeline: String
    public let stage: String
    public let underlying: any Error

    public var description: String {
        "pipeline '\(pipeline)' stage '\(stage)': cannot start: \(underlying)"
    }
}
