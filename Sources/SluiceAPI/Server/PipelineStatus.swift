import Foundation

/// One pipeline as `GET /api/pipelines` shows it: its graph with live per-stage counters and rates.
public struct PipelineStatus: Codable, Sendable, Equatable {
    public var name: String
    public var file: String
    /// The running configuration's hash.
    public var configuration: String
    /// `running`, `stopping` (draining after a stop), `finished` or `failed` (a stage failed for good).
    public var state: String
    /// Attempts to apply a changed file, by outcome.
    public var reloads: [String: Int]
    /// The stages in graph order (each stage after its inputs).
    public var stages: [StageStatus]
}

/// One stage of a `PipelineStatus`.
public struct StageStatus: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var type: String
    /// The stages it reads, as written in `inputs` (`route_id.errors` for a named output).
    public var inputs: [String]
    public var parallelism: Int
    public var eventsIn: Int
    public var eventsOut: Int
    public var bytesIn: Int
    public var bytesOut: Int
    public var errors: Int
    /// Events dropped, by reason.
    public var dropped: [String: Int]
    public var queueEvents: Int
    /// 0 when the stage has no queue of its own (a source, or a stage fused with the one before it).
    public var queueCapacity: Int
    /// `queueEvents / queueCapacity`, or nil without a queue.
    public var queueFill: Double?
    public var busySeconds: Double
    /// Events per second over the last sampling interval (1 s).
    public var eventsInPerSecond: Double
    public var eventsOutPerSecond: Double
    /// Share of the last interval each copy spent inside the stage.
    public var busyRatio: Double
    /// True once the stage has failed for good.
    public var failed: Bool
}

/// The JSON coding of the API: snake_case keys, sorted for stable output.
public enum APIJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
