import SluiceCore

/// What starting a process plugin's stage needs: the command, where it runs, and what its `config`
/// frame says.
struct PluginLaunch: Sendable {
    var command: [String]
    var folder: String
    var plugin: String
    var stageType: String
    var kind: StageKind
    var options: Value
    var pipeline: String
    var stage: String
    var limits: PluginLimits
    var timeout: ConfigDuration
}

/// One running plugin process and the protocol spoken with it (docs/plugins.md): the handshake, then
/// batches and their results, heartbeats and the finish.
///
/// Any failure leaves the session unusable: its owner stops it and starts another.
final class PluginSession {
    /// The protocol versions this runner speaks.
    static let protocolVersions: [Int64] = [1]
    /// How long a plugin gets to exit after its input closes, and again after SIGTERM.
    static let stopGrace = 1.0
    /// The same for a process that has just failed: it gets less time, since it is likely stuck.
    static let failedStopGrace = 0.25

    let launch: PluginLaunch
    private let process: ChildProcess
    private var channel: PluginChannel
    private var json = JSONReader()
    private var writer = FrameWriter()
    private var nextId: Int64 = 1
    /// When the plugin last answered (monotonic nanoseconds), for heartbeats.
    private(set) var lastAnswer = SystemClock.monotonicNanoseconds()

    /// Starts the process and shakes hands: `hello` with the versions, then the stage's `config`, each
    /// answered within the plugin's `start_timeout` (a process may be slow to start on a busy machine).
    init(_ launch: PluginLaunch, log: StageLog) throws(PluginError) {
        self.launch = launch
        process = try ChildProcess.spawn(launch.command, in: launch.folder)
        StderrRelay.start(process.errors, plugin: launch.plugin, log: log)
        channel = PluginChannel(process: process, frameLimit: launch.limits.maxFrameBytes)
        do throws(PluginError) {
            channel.send(writer.hello(versions: Self.protocolVersions))
            let hello = try expect(.hello, id: nil, within: launch.limits.startTimeout)
            guard case .int(let version)? = hello.body[FieldName("protocol")],
                Self.protocolVersions.contains(version)
            else {
                throw PluginError.protocolMismatch(
                    "the runner speaks versions \(Self.protocolVersions); the plugin answered "
                        + "\(hello.body[FieldName("protocol")]?.description ?? "nothing")")
            }
            channel.send(writer.config(launch))
            _ = try expect(.ack, id: nil, within: launch.limits.startTimeout)
        } catch {
            process.stop(grace: 0)
            throw error
        }
    }

    /// Sends `events` as one batch and returns the events of the plugin's `result` (transforms), or
    /// nothing once it sent `ack` (sinks).
    func process(_ events: [Event]) throws(PluginError) -> EventBatch {
        let id = takeId()
        channel.send(writer.batch(id: id, events))
        let answer = try expect(launch.kind == .sink ? .ack : .result, id: id)
        return try resultEvents(answer)
    }

    /// Tells the plugin its input has ended; returns the events of its last `result`.
    func finish() throws(PluginError) -> EventBatch {
        let id = takeId()
        channel.send(writer.bare("finish", id: id))
        return try resultEvents(try expect(launch.kind == .sink ? .ack : .result, id: id))
    }

    /// Checks that the plugin still answers.
    func heartbeat() throws(PluginError) {
        let id = takeId()
        channel.send(writer.bare("heartbeat", id: id))
        _ = try expect(.heartbeat, id: id)
    }

    /// The next frame a source plugin sends, or `nil` when none came before `deadline`.
    func nextFrame(deadline: UInt64) throws(PluginError) -> PluginFrame? {
        guard let line = try channel.nextLine(deadline: deadline) else { return nil }
        lastAnswer = SystemClock.monotonicNanoseconds()
        return try PluginFrame.parse(line, with: &json)
    }

    /// Acknowledges a source plugin's batch `id`: its events are on their way downstream.
    func acknowledge(_ id: Int64) {
        channel.send(writer.bare("ack", id: id))
    }

    /// Stops the process (end of input, then SIGTERM, then SIGKILL to its group) and reaps it.
    @discardableResult
    func stop(grace: Double = PluginSession.stopGrace) -> ExitStatus {
        process.stop(grace: grace)
    }

    private func takeId() -> Int64 {
        defer { nextId += 1 }
        return nextId
    }

    /// Waits up to `timeout` (the stage's per-batch timeout unless given) for a frame of `kind`
    /// (answering `id`); heartbeats the plugin sends on its own are skipped, an `error` frame is thrown,
    /// anything else is a broken protocol.
    private func expect(
        _ kind: PluginFrame.Kind, id: Int64?, within timeout: ConfigDuration? = nil
    ) throws(PluginError) -> PluginFrame {
        let limit = timeout ?? launch.timeout
        let deadline = SystemClock.monotonicDeadline(afterSeconds: limit.seconds)
        while true {
            guard let frame = try nextFrame(deadline: deadline) else { throw .timedOut(limit.seconds) }
            if frame.kind == .heartbeat, kind != .heartbeat { continue }
            if frame.kind == .error { throw .pluginError(frame.message) }
            guard frame.kind == kind, id == nil || frame.id == id else {
                throw .invalidFrame(
                    "expected '\(kind.rawValue)'\(id.map { " for id \($0)" } ?? ""), got '\(frame.kind.rawValue)'"
                        + (frame.id.map { " for id \($0)" } ?? ""))
            }
            return frame
        }
    }

    private func resultEvents(_ frame: PluginFrame) throws(PluginError) -> EventBatch {
        let (batch, invalid) = frame.events()
        guard invalid == 0 else { throw .invalidFrame("\(invalid) item(s) of 'events' are not objects") }
        return batch
    }
}
