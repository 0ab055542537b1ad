/// Why a plugin could not process a batch, start or go on: each costs the batch's current try (it is
/// retried, then dead-lettered) and, for everything but a plugin's own `error` frame, the process.
public enum PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The process could not be started.
    case cannotStart(String)
    /// No answer within the timeout, in seconds.
    case timedOut(Double)
    /// The process ended (or closed its standard output) before answering.
    case exited(ExitStatus?)
    /// A frame longer than the limit, in bytes.
    case frameTooLong(Int)
    /// A line that is not a JSON object with a known `type`, or not the frame expected now.
    case invalidFrame(String)
    /// The handshake found no protocol version both sides speak.
    case protocolMismatch(String)
    /// The plugin answered with an `error` frame.
    case pluginError(String)
    /// A WebAssembly call trapped, ran out of fuel or time, or broke the ABI.
    case wasm(String)
    /// The plugin cannot do what its `plugin.yaml` asks (a WebAssembly source, say).
    case unsupported(String)

    public var description: String {
        switch self {
        case .cannotStart(let reason): return "cannot start the plugin: \(reason)"
        case .timedOut(let seconds): return "no answer within \(seconds)s"
        case .exited(let status?): return "the plugin \(status)"
        case .exited(nil): return "the plugin closed its standard output"
        case .frameTooLong(let limit): return "the plugin sent a frame longer than \(limit) bytes"
        case .invalidFrame(let reason): return "the plugin sent an invalid frame: \(reason)"
        case .protocolMismatch(let reason): return "protocol mismatch: \(reason)"
        case .pluginError(let message): return "the plugin reported an error: \(message)"
        case .wasm(let reason): return "the WebAssembly module failed: \(reason)"
        case .unsupported(let reason): return reason
        }
    }

    /// The drop reason of a batch dead-lettered for this error.
    var reasonLabel: String {
        switch self {
        case .cannotStart: return "cannot_start"
        case .timedOut: return "timeout"
        case .exited: return "exited"
        case .frameTooLong: return "frame_too_long"
        case .invalidFrame, .protocolMismatch: return "invalid_frame"
        case .pluginError: return "plugin_error"
        case .wasm: return "wasm_trap"
        case .unsupported: return "unsupported"
        }
    }
}
