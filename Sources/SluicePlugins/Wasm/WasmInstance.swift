import SluiceCore
@_spi(Fuzzing) import WasmKit

/// One instance of a WebAssembly plugin's module, with the ABI of docs/plugins.md: the runner writes a
/// batch as NDJSON into memory the module hands out (`alloc`), calls `process(ptr, len)` and reads the
/// NDJSON the module points at in its answer (`out_ptr << 32 | out_len`).
///
/// Every call runs with a fuel budget, and the memory may not grow past `max_memory`; the only imports
/// are `sluice.log` and `sluice.count` (no WASI: no file system, no network, no clock). A trap, running
/// out of fuel, a pointer outside memory or output that is not NDJSON fails the call, and the instance
/// is not used again.
final class WasmInstance {
    private let store: Store
    private let memory: Memory
    private let alloc: Function
    private let process: Function
    private let fuel: UInt64
    private let host: WasmHostCalls
    private var json = JSONReader()
    private var writer = JSONWriter(capacity: 64 * 1024)

    /// Instantiates `module` and hands it `options` (JSON) through its `configure` export, if any.
    init(
        module: Module, engine: Engine, options: [UInt8], limits: PluginLimits, host: WasmHostCalls
    ) throws(PluginError) {
        store = Store(engine: engine)
        store.resourceLimiter = WasmMemoryLimit(bytes: limits.maxMemoryBytes)
        fuel = UInt64(limits.fuel)
        self.host = host
        let instance: Instance
        do {
            instance = try module.instantiate(store: store, imports: host.imports(store: store))
        } catch {
            throw .cannotStart("cannot instantiate the module: \(error)")
        }
        guard let memory = instance.exports[memory: "memory"], let alloc = instance.exports[function: "alloc"],
            let process = instance.exports[function: "process"]
        else { throw .cannotStart("the module must export 'memory', 'alloc' and 'process' (docs/plugins.md)") }
        self.memory = memory
        self.alloc = alloc
        self.process = process
        if let configure = instance.exports[function: "configure"] {
            let pointer = try place(options)
            let status = try call(configure, [.i32(pointer), .i32(UInt32(options.count))])
            guard case .i32(0)? = status.first else {
                throw .cannotStart("'configure' refused the options (status \(status.first.map { "\($0)" } ?? "none"))")
            }
        }
    }

    /// Runs `events` through `process`; the events it returns, with its output's size as their bytes.
    func transform(_ events: [Event]) throws(PluginError) -> EventBatch {
        writer.reset()
        for event in events {
            writer.write(event)
            writer.bytes.append(UInt8(ascii: "\n"))
        }
        let input = writer.bytes
        let pointer = try place(input)
        let answer = try call(process, [.i32(pointer), .i32(UInt32(input.count))])
        guard case .i64(let packed)? = answer.first else { throw .wasm("'process' must return an i64") }
        guard Int64(bitPattern: packed) >= 0 else {
            throw .wasm("'process' reported failure (\(Int64(bitPattern: packed)))")
        }
        return try readEvents(at: UInt32(truncatingIfNeeded: packed >> 32), count: UInt32(truncatingIfNeeded: packed))
    }

    /// Copies `bytes` into memory the module allocates; its address.
    private func place(_ bytes: [UInt8]) throws(PluginError) -> UInt32 {
        guard let count = UInt32(exactly: bytes.count) else { throw .wasm("a batch of \(bytes.count) bytes") }
        guard case .i32(let pointer)? = try call(alloc, [.i32(count)]).first, pointer != 0 else {
            throw .wasm("'alloc' could not allocate \(bytes.count) bytes")
        }
        try checkBounds(pointer, count)
        memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: bytes.count) { target in
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        return pointer
    }

    /// Parses the NDJSON the module wrote at `pointer`; any line that is not a JSON object fails the call.
    private func readEvents(at pointer: UInt32, count: UInt32) throws(PluginError) -> EventBatch {
        try checkBounds(pointer, count)
        let parsed = memory.withUnsafeBufferPointer(offset: UInt(pointer), count: Int(count)) { bytes in
            Result { () throws(PluginError) -> EventBatch in
                var batch = EventBatch()
                batch.byteCount = bytes.count
                var start = 0
                for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "\n") {
                    defer { start = index + 1 }
                    guard index > start else { continue }
                    do {
                        batch.append(try json.readEvent(UnsafeRawBufferPointer(rebasing: bytes[start..<index])))
                    } catch {
                        throw .wasm("output line \(batch.count + 1) is not a JSON object: \(error)")
                    }
                }
                return batch
            }
        }
        return try parsed.get()
    }

    /// Throws unless `count` bytes at `pointer` lie inside the memory.
    private func checkBounds(_ pointer: UInt32, _ count: UInt32) throws(PluginError) {
        guard UInt64(pointer) + UInt64(count) <= UInt64(memory.byteCount) else {
            throw .wasm("\(count) bytes at \(pointer) are outside the module's \(memory.byteCount) bytes of memory")
        }
    }

    /// Calls `function` with a fresh fuel budget; host logs and counts made meanwhile are kept by `host`.
    private func call(_ function: Function, _ arguments: [WasmKit.Value]) throws(PluginError) -> [WasmKit.Value] {
        store.fuel = Fuel(remaining: fuel)
        do {
            return try function.invoke(arguments)
        } catch {
            throw .wasm("\(error)")
        }
    }
}

/// Refuses memory growth past a number of bytes: `memory.grow` then returns -1 to the module.
final class WasmMemoryLimit: ResourceLimiter {
    let bytes: Int

    init(bytes: Int) {
        self.bytes = bytes
    }

    func limitMemoryGrowth(to desired: Int) throws -> Bool { desired <= bytes }
}
