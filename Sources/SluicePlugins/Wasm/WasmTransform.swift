import SluiceCore
import WasmKit

#if canImport(Glibc)
    import Glibc
#endif

/// A WebAssembly plugin's transform, run in process under WasmKit (docs/plugins.md, the ABI).
///
/// The module is read and instantiated when the stage starts (a module that cannot be read, does not
/// validate or lacks the ABI's exports stops the pipeline from starting). A call that traps, runs out of
/// fuel, reaches outside memory or returns something that is not NDJSON fails that try: the instance is
/// dropped, a new one is made for the next try, and after the last try the batch is dead-lettered.
final class WasmTransform: Processor {
    private let module: Module
    private let engine: Engine
    private let options: [UInt8]
    private let limits: PluginLimits
    private let tries: Int
    private let deadLetters: DeadLetterFile
    private let host: WasmHostCalls
    private var instance: WasmInstance?

    init(
        module path: String, plugin: String, options: SluiceCore.Value, limits: PluginLimits,
        supervision: PluginSupervision,
        deadLetters: DeadLetterFile, context: StageContext
    ) throws(PluginError) {
        let bytes: [UInt8]
        switch TextFile.readBytes(path) {
        case .success(let read): bytes = read
        case .failure(let error): throw .cannotStart("\(error)")
        }
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw .cannotStart("'\(path)' is not a valid WebAssembly module: \(error)")
        }
        engine = Engine(configuration: EngineConfiguration(memoryBoundsChecking: .software, fuelMetering: true))
        var writer = JSONWriter()
        writer.write(options)
        self.options = writer.bytes
        self.limits = limits
        tries = supervision.retries + 1
        self.deadLetters = deadLetters
        host = WasmHostCalls(plugin: plugin, log: context.log)
        instance = try makeInstance()
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        var restarted = 0
        PluginBatches.run(batch.events, tries: tries, deadLetters: deadLetters, output: &output) {
            events throws(PluginError) in
            let current: WasmInstance
            if let instance {
                current = instance
            } else {
                current = try makeInstance()
                restarted += 1
            }
            do throws(PluginError) {
                return try current.transform(events)
            } catch {
                instance = nil
                throw error
            }
        }
        output.count(PluginBatches.restarts, restarted)
        for (counter, amount) in host.takeCounts() { output.count(counter, amount) }
    }

    private func makeInstance() throws(PluginError) -> WasmInstance {
        let made = try WasmInstance(module: module, engine: engine, options: options, limits: limits, host: host)
        instance = made
        return made
    }
}
