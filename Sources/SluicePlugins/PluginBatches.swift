import SluiceCore

/// What every plugin transform and sink does with a batch: tries it, tries again after a failure (the
/// caller restarts what failed), and after the last failed try writes its events to the dead-letter
/// file, so each event is either processed or dead-lettered — and counted.
enum PluginBatches {
    /// Drop reason of events written to the dead-letter file.
    static let deadLettered: DropReason = "dead_lettered"
    /// Drop reason of events that failed every try and could not be written to the dead-letter file.
    static let deadLetterFailed: DropReason = "dead_letter_failed"
    /// Counts each failed try of a batch.
    static let failures: StageCounter = "plugin_failures"
    /// Counts each time a plugin's process (or module instance) is started again after a failure.
    static let restarts: StageCounter = "plugin_restarts"

    /// Runs `events` through `call` up to `tries` times; emits what the first successful try returns.
    static func run(
        _ events: [Event], tries: Int, deadLetters: DeadLetterFile, output: inout ProcessorOutput,
        call: ([Event]) throws(PluginError) -> EventBatch
    ) {
        var lastError = PluginError.unsupported("no try was made")
        for attempt in 1...max(1, tries) {
            do {
                output.emit(try call(events))
                return
            } catch {
                lastError = error
                output.count(failures)
                output.log.warn(
                    counter: failures, "batch of \(events.count) events, try \(attempt) of \(tries): \(error)")
            }
        }
        let reason = "\(lastError) (\(tries) \(tries == 1 ? "try" : "tries"))"
        do {
            try deadLetters.write(events, reason: reason)
            output.drop(
                events.count, reason: deadLettered,
                message: "\(events.count) events written to '\(deadLetters.path)': \(reason)")
        } catch {
            output.drop(events.count, reason: deadLetterFailed, message: "\(events.count) events lost: \(error)")
        }
    }

    /// How long to wait before starting a plugin again after `failures` failures in a row: 100 ms,
    /// doubling, at most 5 s.
    static func backoff(failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        return min(5, 0.1 * Double(1 << min(failures - 1, 10)))
    }
}
