import Logging
import SluiceCore
import SluiceEngine
import SluiceService
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Bounds the drain after SIGINT or SIGTERM (`--shutdown-timeout`). When the limit passes it tells every
/// stage to give up (`ShutdownSignal.abandon`: a sink still retrying fails), waits a short grace, reports
/// what was not delivered and exits 3, even while a stage is stuck in a call that never returns (a
/// sink blocked on a pipe nobody reads) or a pipeline is still being built.
final class ShutdownLimit: Sendable {
    /// How long stages get, once told to give up, before the process exits without them.
    static let grace = ConfigDuration(milliseconds: 2_000)

    private enum Phase: Int {
        case draining, exitingNormally, limitPassed
    }

    private let limit: ConfigDuration
    private let supervisor: PipelineSupervisor
    private let finalReport: @Sendable () -> Void
    private let logger: Logger
    private let phase = Atomic<Int>(Phase.draining.rawValue)

    /// `finalReport` prints what the runner prints at any exit (the stats, the failed stages).
    init(
        limit: ConfigDuration, supervisor: PipelineSupervisor, logger: Logger,
        finalReport: @escaping @Sendable () -> Void
    ) {
        self.limit = limit
        self.supervisor = supervisor
        self.logger = logger
        self.finalReport = finalReport
    }

    /// Starts the clock; called once, on the first stop signal.
    func start() {
        SystemThread.start { [self] in enforce() }
    }

    /// Called when every pipeline has finished: true when the runner may exit as usual, false when the
    /// limit passed first and this object is exiting the process.
    func claimNormalExit() -> Bool {
        phase.compareExchange(
            expected: Phase.draining.rawValue, desired: Phase.exitingNormally.rawValue, ordering: .acquiringAndReleasing
        ).exchanged
    }

    private func enforce() {
        if supervisor.waitAll(seconds: limit.seconds) { return }
        guard
            phase.compareExchange(
                expected: Phase.draining.rawValue, desired: Phase.limitPassed.rawValue, ordering: .acquiringAndReleasing
            ).exchanged
        else { return }
        logger.notice("the shutdown limit (\(limit)) passed; telling every stage to give up")
        supervisor.abandonAll()
        _ = supervisor.waitAll(seconds: Self.grace.seconds)
        let (work, starting) = supervisor.unfinishedWork()
        var lines = work.map { "not delivered: \($0)" }
        lines += starting.map { "not delivered: the pipeline of '\($0)' was still starting" }
        if lines.isEmpty { lines = ["no events were left queued"] }
        for line in lines { logger.notice("\(line)") }
        finalReport()
        logger.notice("exiting with status 3 (the shutdown limit passed)")
        // `_exit`, not `exit`: a worker stuck in a write must not be waited for, nor stdio flushed into it.
        _exit(RunnerExit.stageFailed.rawValue)
    }
}
