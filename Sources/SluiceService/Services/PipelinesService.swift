import ServiceLifecycle
import SluiceCore
import SluiceEngine
import SluiceGraph
import Synchronization

/// The pipelines of `runner apply` as a service: `run` starts them (after `after`, the API, is up) and
/// returns once every pipeline has finished (finite sources done, or drained after a stop); a graceful
/// shutdown asks them all to stop (`PipelineSupervisor.stopAll`), and they drain.
///
/// The engine is thread-based: starting a pipeline can block (a file sink opening a FIFO) and waiting
/// for pipelines blocks, so both run on threads of their own, never on Swift concurrency's pool.
public final class PipelinesService: Service, Sendable {
    private let supervisor: PipelineSupervisor
    private let graphs: [(file: String, graph: StageGraph)]
    private let after: StartupGate?
    /// Opened once every pipeline has started (failed if one could not): the file watcher waits for it.
    public let started = StartupGate()
    private let failure = Mutex<EngineError?>(nil)

    /// Why a pipeline could not start, once `run` has thrown.
    public var startFailure: EngineError? { failure.withLock { $0 } }

    public init(supervisor: PipelineSupervisor, graphs: [(file: String, graph: StageGraph)], after: StartupGate?) {
        self.supervisor = supervisor
        self.graphs = graphs
        self.after = after
    }

    /// Starts the pipelines and waits for them; throws the `EngineError` of a pipeline that could not
    /// start (the others then drain first).
    public func run() async throws {
        guard await after?.wait() ?? true else {
            started.fail()
            return
        }
        try await withGracefulShutdownHandler {
            let result = await Self.onThread { [supervisor, graphs] in
                Result { () throws(EngineError) in try supervisor.start(graphs) }
            }
            if case .failure(let error) = result {
                failure.withLock { $0 = error }
                started.fail()
            } else {
                started.open()
            }
            await Self.onThread { [supervisor] in supervisor.waitAll() }
            try result.get()
        } onGracefulShutdown: { [supervisor] in
            supervisor.stopAll()
        }
    }

    /// Runs `body` on a thread of its own and waits for it without holding a pool thread.
    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            SystemThread.start { continuation.resume(returning: body()) }
        }
    }
}

/// The file watcher of `runner apply` as a service: it starts once the pipelines have started, feeds
/// what it sees to the supervisor, and stops at the graceful shutdown.
public final class WatcherService: Service, Sendable {
    private let watcher: FileWatcher
    private let supervisor: PipelineSupervisor
    private let pipelinesStarted: StartupGate
    private let removesStop: Bool

    /// `removesStop`: a removed file's pipeline is drained (a watched folder).
    public init(watcher: FileWatcher, supervisor: PipelineSupervisor, pipelinesStarted: StartupGate, removesStop: Bool)
    {
        self.watcher = watcher
        self.supervisor = supervisor
        self.pipelinesStarted = pipelinesStarted
        self.removesStop = removesStop
    }

    public func run() async throws {
        if await pipelinesStarted.wait(), !supervisor.isStopping {
            watcher.start { [supervisor, removesStop] changes in supervisor.apply(changes, removesStop: removesStop) }
        }
        // Returns only at its own shutdown, even when there was nothing to watch: a ServiceGroup treats
        // a service that ends while another is shutting down as a failure.
        try? await gracefulShutdown()
        watcher.stop()
    }
}
