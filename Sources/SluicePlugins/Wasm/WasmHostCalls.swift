import SluiceCore
import Synchronization
import WasmKit

/// The host functions a WebAssembly plugin may import, all in module `sluice`: `log(ptr, len)` writes a
/// line to the runner's log (rate-limited, as a plugin's standard error is) and `count(name_ptr,
/// name_len, amount)` adds to the stage's counter `name` (`sluice_stage_counter_total`). Nothing else.
final class WasmHostCalls: Sendable {
    /// The key the stage's log rate-limits module logs under.
    static let logCounter: StageCounter = "wasm_log"
    /// The longest log line or counter name read from the module's memory.
    static let maximumText = 1_024

    private let plugin: String
    private let log: StageLog
    private let counts = Mutex<[StageCounter: Int]>([:])

    init(plugin: String, log: StageLog) {
        self.plugin = plugin
        self.log = log
    }

    /// What the module counted since the last call, leaving nothing.
    func takeCounts() -> [StageCounter: Int] {
        counts.withLock { counts in
            defer { counts.removeAll() }
            return counts
        }
    }

    func imports(store: Store) -> Imports {
        [
            "sluice": [
                "log": Function(store: store, parameters: [.i32, .i32]) { [self] caller, arguments in
                    let line = Self.text(caller, arguments[0], arguments[1])
                    log.warn(counter: Self.logCounter, "plugin '\(plugin)': \(line)")
                    return []
                },
                "count": Function(store: store, parameters: [.i32, .i32, .i64]) { [self] caller, arguments in
                    guard case .i64(let amount) = arguments[2], let amount = Int(exactly: Int64(bitPattern: amount)),
                        amount > 0
                    else { return [] }
                    let name = StageCounter(rawValue: Self.text(caller, arguments[0], arguments[1]))
                    counts.withLock { counts in
                        let (sum, overflow) = counts[name, default: 0].addingReportingOverflow(amount)
                        counts[name] = overflow ? Int.max : sum
                    }
                    return []
                },
            ]
        ]
    }

    /// The UTF-8 text at (`pointer`, `length`) in the caller's memory, cut at `maximumText` bytes; a
    /// range outside the memory reads as a note saying so.
    private static func text(_ caller: borrowing Caller, _ pointer: WasmKit.Value, _ length: WasmKit.Value) -> String {
        guard case .i32(let start) = pointer, case .i32(let count) = length,
            let memory = caller.instance?.exports[memory: "memory"]
        else { return "(no text)" }
        guard UInt64(start) + UInt64(count) <= UInt64(memory.byteCount) else { return "(text outside memory)" }
        return memory.withUnsafeBufferPointer(offset: UInt(start), count: min(Int(count), maximumText)) {
            String(decoding: $0, as: UTF8.self)
        }
    }
}
