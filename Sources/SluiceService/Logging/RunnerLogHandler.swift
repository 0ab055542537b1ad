import Foundation
import Logging
import SluiceCore

/// How the runner writes its log lines to standard error.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One line for people: `runner: started pipeline 'p' ...`, `warning: pipeline 'p' stage 's': ... [reason]`.
    case text
    /// One JSON object per line: `time`, `level`, `message` and the metadata (`pipeline`, `stage`, `reason`, ...).
    case json
}

/// A swift-log handler writing whole lines to standard error, as text or JSON. Every logger of the
/// runner (its own messages, the supervisor's, the stages' `StageLog`, the HTTP server's) goes through it.
public struct RunnerLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let format: LogFormat

    public init(format: LogFormat, level: Logger.Level) {
        self.format = format
        logLevel = level
    }

    /// Makes every `Logger` of the process use this handler.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { _ in RunnerLogHandler(format: format, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line =
            switch format {
            case .text: Self.text(level: event.level, message: "\(event.message)", metadata: merged)
            case .json: Self.json(level: event.level, message: "\(event.message)", metadata: merged)
            }
        StandardError.write(line + "\n")
    }

    /// `warning: pipeline 'p' stage 's': message [reason] (3 similar messages suppressed)`; messages
    /// below warning that are about no stage read `runner: message`.
    static func text(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line =
            switch level {
            case .warning: "warning: "
            case .error, .critical: "error: "
            default: ""
            }
        switch (metadata["pipeline"], metadata["stage"]) {
        case (let pipeline?, let stage?): line += "pipeline '\(pipeline)' stage '\(stage)': "
        case (let pipeline?, nil): line += "pipeline '\(pipeline)': "
        default: if line.isEmpty { line = "runner: " }
        }
        line += message
        if let reason = metadata["reason"] { line += " [\(reason)]" }
        if let suppressed = metadata["suppressed"] { line += " (\(suppressed) similar messages suppressed)" }
        return line
    }

    /// `{"time":"2026-11-28T07:00:00.000Z","level":"warning","message":"...","pipeline":"p",...}`.
    static func json(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var writer = JSONWriter(cachesKeys: false)
        var fields: [(String, String)] = [
            ("time", Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())),
            ("level", level.rawValue), ("message", message),
        ]
        fields += metadata.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        writer.bytes.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.writeString(key)
            writer.bytes.append(UInt8(ascii: ":"))
            writer.writeString(value)
        }
        writer.bytes.append(UInt8(ascii: "}"))
        return writer.string
    }
}
