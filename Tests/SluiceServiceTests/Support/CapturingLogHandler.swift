import Logging

/// A log handler that hands every message, as the runner's text format prints it, to a closure.
struct CapturingLogHandler: LogHandler {
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    let capture: @Sendable (String) -> Void

    /// A logger whose lines go to `capture`.
    static func logger(_ capture: @escaping @Sendable (String) -> Void) -> Logger {
        Logger(label: "test") { _ in CapturingLogHandler(capture: capture) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture("\(event.message)")
    }
}
