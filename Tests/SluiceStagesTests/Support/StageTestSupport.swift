import Foundation
import SluiceCore
import Synchronization

/// Builds an options mapping as the config loader would, from `key: value` scalars.
func optionsNode(_ pairs: KeyValuePairs<String, String>) -> ConfigNode {
    optionsNode(pairs.map { ($0.key, $0.value) })
}

/// Builds an options mapping from `(key, value)` scalars, in order.
func optionsNode(_ pairs: [(String, String)]) -> ConfigNode {
    let location = SourceLocation(file: "test.yaml", line: 1, column: 1)
    let entries = pairs.map { key, value in
        ConfigNode.Entry(
            key: key, keyLocation: location, value: ConfigNode(.scalar(value, quoted: false), at: location))
    }
    return ConfigNode(.map(entries), at: location)
}

/// Reads a stage's config from `pairs`; the diagnostics when it is invalid.
func readConfig<S: Stage>(_ stage: S.Type, _ pairs: KeyValuePairs<String, String>) -> Result<S.Config, Diagnostics> {
    readConfig(stage, pairs.map { ($0.key, $0.value) })
}

/// Reads a stage's config from `(key, value)` pairs; the diagnostics when it is invalid.
func readConfig<S: Stage>(_ stage: S.Type, _ pairs: [(String, String)]) -> Result<S.Config, Diagnostics> {
    let read = readConfig(stage, from: optionsNode(pairs), stage: "under_test")
    guard let config = read.config, !read.diagnostics.hasErrors else { return .failure(read.diagnostics) }
    return .success(config)
}

/// Builds the source runtime of `stage` from `pairs`.
func makeSource<S: Stage>(_ stage: S.Type, _ pairs: [(String, String)]) throws -> any Source {
    try makeSource(try readConfig(stage, pairs).get())
}

/// Builds the source runtime of `config`.
func makeSource(_ config: some StageConfig) throws -> any Source {
    let context = StageContext(
        pipeline: "test", stage: "under_test", log: StageLog(pipeline: "test", stage: "under_test"))
    guard case .source(let source) = try config.makeRuntime(context: context) else {
        throw TestFailure("\(type(of: config)) did not build a source")
    }
    return source
}

/// A failed test precondition.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A source running on a thread of its own, as the engine runs it.
final class RunningSource: Sendable {
    private let finished = Mutex<Result<Void, any Error>?>(nil)

    init(_ source: any Source, output: CollectingSourceOutput) {
        Thread.detachNewThread { [self] in
            let result = Result { try source.run(output: output) }
            self.finished.withLock { $0 = result }
        }
    }

    /// Waits for `run` to return, for at most `timeout` seconds; its result, or `nil` on timeout.
    func wait(timeout: Double = 20) -> Result<Void, any Error>? {
        var waited = 0.0
        while waited < timeout {
            if let result = finished.withLock({ $0 }) { return result }
            usleep(5_000)
            waited += 0.005
        }
        return nil
    }
}

/// Polls `condition` until it holds, for at most `timeout` seconds; returns whether it held. For waiting
/// on a state another thread reaches, never for asserting on timing.
func eventually(timeout: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1_000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}
