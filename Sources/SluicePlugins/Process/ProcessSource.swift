import SluiceCore

/// A process plugin's source: the plugin sends `batch` frames when it has events, and the runner answers
/// each with an `ack` once the batch is on its way downstream (so a plugin that waits for acks feels
/// backpressure). `end`, or exiting with status 0, finishes the source.
///
/// A line that is not a valid frame is rejected (counted, logged) and reading goes on. A crash, or a
/// frame over the limit, stops the process and its group, and a new one starts after a backoff.
final class ProcessSource: Source {
    /// Rejection reason of a line that is not a valid frame, or of event items that are not objects.
    static let invalidFrame: DropReason = "plugin_invalid_frame"

    private let launch: PluginLaunch
    private let log: StageLog

    init(launch: PluginLaunch, log: StageLog) {
        self.launch = launch
        self.log = log
    }

    /// How one process's run ended.
    private enum Ending {
        case finished
        case stopping
        case failed(PluginError, deliveredBatches: Bool)
    }

    func run(output: SourceOutput) throws {
        var failuresInARow = 0
        while !output.isStopping {
            output.sleep(seconds: PluginBatches.backoff(failures: failuresInARow))
            if output.isStopping { return }
            let session: PluginSession
            do {
                session = try PluginSession(launch, log: log)
            } catch {
                failuresInARow += 1
                output.count(PluginBatches.failures, 1, message: "plugin '\(launch.plugin)' did not start: \(error)")
                continue
            }
            let ending = read(from: session, output: output)
            session.stop()
            switch ending {
            case .finished, .stopping: return
            case .failed(let error, let delivered):
                failuresInARow = delivered ? 1 : failuresInARow + 1
                output.count(
                    PluginBatches.restarts, 1, message: "plugin '\(launch.plugin)' failed; restarting: \(error)")
            }
        }
    }

    private func read(from session: PluginSession, output: SourceOutput) -> Ending {
        var delivered = false
        while !output.isStopping {
            let frame: PluginFrame?
            do throws(PluginError) {
                frame = try session.nextFrame(deadline: SystemClock.monotonicDeadline(afterSeconds: 0.1))
            } catch .invalidFrame(let reason) {
                output.reject(1, reason: Self.invalidFrame, message: "plugin '\(launch.plugin)': \(reason)")
                continue
            } catch .exited(.exited(0)?) {
                return .finished
            } catch {
                return .failed(error, deliveredBatches: delivered)
            }
            guard let frame else { continue }
            switch frame.kind {
            case .batch:
                let (batch, invalid) = frame.events()
                if invalid > 0 {
                    output.reject(invalid, reason: Self.invalidFrame, message: "event items that are not objects")
                }
                guard output.send(batch) else { return .stopping }
                delivered = true
                if let id = frame.id { session.acknowledge(id) }
            case .end:
                return .finished
            case .heartbeat:
                continue
            case .error:
                output.count(PluginBatches.failures, 1, message: "plugin '\(launch.plugin)': \(frame.message)")
            case .hello, .ack, .result:
                output.reject(
                    1, reason: Self.invalidFrame, message: "a source plugin cannot send '\(frame.kind.rawValue)'")
            }
        }
        return .stopping
    }
}
