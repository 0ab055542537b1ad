import SluiceCore

/// How a sink waits out errors that may pass (a full disk, a locked database, a database server that
/// restarts): the backoff between attempts and how often it logs that it still waits.
struct WriteRetryPolicy: Sendable {
    /// The wait after the first failed attempt; each further failure doubles it, up to `longestDelay`.
    var firstDelay = 0.01
    var longestDelay = 1.0
    /// While the error lasts, it is logged at most once per this many seconds.
    var logPeriod = 30.0
}

/// One stretch of failed writes: how long to wait next, and when it was last logged.
struct WriteOutage {
    let policy: WriteRetryPolicy
    let started = SystemClock.monotonicNanoseconds()
    private var lastLogged: UInt64?
    private(set) var attempts = 0
    private(set) var delay: Double

    init(policy: WriteRetryPolicy) {
        self.policy = policy
        delay = policy.firstDelay / 2
    }

    /// Counts a failed attempt, doubles the wait, and logs `reason` when the last message is a period old.
    mutating func failed(_ reason: String, log: StageLog) {
        attempts += 1
        delay = min(delay * 2, policy.longestDelay)
        let now = SystemClock.monotonicNanoseconds()
        if let lastLogged {
            guard Double(now - lastLogged) / 1e9 >= policy.logPeriod else { return }
            log.error("\(reason); still retrying after \(attempts) attempts in \(seconds(at: now)) s")
        } else {
            log.error("\(reason); retrying with backoff until it succeeds (the pipeline waits, nothing is dropped)")
        }
        lastLogged = now
    }

    /// Logs that `work` ("writing 'out/x.ndjson'") works again.
    func recovered(_ work: String, log: StageLog) {
        let now = SystemClock.monotonicNanoseconds()
        log.warning("\(work) works again after \(attempts) failed attempts in \(seconds(at: now)) s")
    }

    /// How long the outage has lasted, for messages: "12.5".
    func seconds(at now: UInt64 = SystemClock.monotonicNanoseconds()) -> String {
        SluiceCore.NumberText.fixed(Double(now - started) / 1e9, decimals: 1)
    }
}
