import SluiceCore

/// A process plugin's transform or sink: each batch goes to the plugin's process as a `batch` frame and
/// its `result` (or `ack`) comes back, within the stage's timeout.
///
/// The process starts with the stage (a plugin that cannot start or shake hands stops the pipeline from
/// starting, with its reason). Afterwards any failure — a crash, a hang past the timeout, garbage, a
/// frame over the limit — stops the process and its group, and the next try starts a new one after a
/// backoff; the batch is tried `retries` more times, then dead-lettered. While idle, the process is
/// checked with a heartbeat.
final class ProcessTransform: Processor {
    private let launch: PluginLaunch
    private let tries: Int
    private let deadLetters: DeadLetterFile
    private let context: StageContext
    private let heartbeatInterval: ConfigDuration
    private var session: PluginSession?
    /// Failures since the last batch that went through, for the restart backoff.
    private var failuresInARow = 0

    init(
        launch: PluginLaunch, supervision: PluginSupervision, deadLetters: DeadLetterFile, context: StageContext,
        heartbeat: ConfigDuration
    ) throws(PluginError) {
        self.launch = launch
        tries = supervision.retries + 1
        self.deadLetters = deadLetters
        self.context = context
        heartbeatInterval = heartbeat
        session = try PluginSession(launch, log: context.log)
    }

    var tickInterval: ConfigDuration? { heartbeatInterval }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        var restarted = 0
        PluginBatches.run(batch.events, tries: tries, deadLetters: deadLetters, output: &output) {
            events throws(PluginError) in
            let (session, isNew) = try current()
            if isNew { restarted += 1 }
            do throws(PluginError) {
                let results = try session.process(events)
                failuresInARow = 0
                return results
            } catch {
                discard(session)
                throw error
            }
        }
        output.count(PluginBatches.restarts, restarted)
    }

    func finish(output: inout ProcessorOutput) throws {
        guard let session else { return }
        do {
            output.emit(try session.finish())
        } catch {
            context.log.warning("plugin '\(launch.plugin)' did not finish cleanly: \(error)")
        }
        session.stop()
        self.session = nil
    }

    func tick(nowMilliseconds: Int64, output: inout ProcessorOutput) throws {
        guard let session else { return }
        let idle = SystemClock.monotonicNanoseconds() - session.lastAnswer
        guard Double(idle) / 1e9 >= heartbeatInterval.seconds else { return }
        do {
            try session.heartbeat()
        } catch {
            output.count(PluginBatches.failures)
            output.log.warn(counter: PluginBatches.failures, "heartbeat failed; stopping the plugin: \(error)")
            discard(session)
        }
    }

    /// The running session, or a new one after the backoff (`isNew`).
    private func current() throws(PluginError) -> (PluginSession, isNew: Bool) {
        if let session { return (session, false) }
        context.shutdown.sleep(seconds: PluginBatches.backoff(failures: failuresInARow))
        do {
            let session = try PluginSession(launch, log: context.log)
            self.session = session
            return (session, true)
        } catch {
            failuresInARow += 1
            throw error
        }
    }

    private func discard(_ failed: PluginSession) {
        failuresInARow += 1
        let status = failed.stop(grace: PluginSession.failedStopGrace)
        context.log.warning("plugin '\(launch.plugin)' stopped (it \(status)); a new process starts for the next try")
        session = nil
    }

    deinit {
        session?.stop()
    }
}
