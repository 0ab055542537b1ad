import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SluiceService
import Synchronization

/// The runner's HTTP API as a service: a Hummingbird server on NIO's shared event loops, plus a task that
/// samples the stages' rates once a second. `listening` opens once the socket is bound (the pipelines
/// start after it) and fails when it cannot be.
public final class APIService: Service, Sendable {
    /// Why the API did not start.
    public struct CannotListen: Error, CustomStringConvertible {
        public let address: APIAddress
        public let reason: String
        public var description: String {
            "cannot listen on \(address) (--api): \(reason); choose another address with --api HOST:PORT, or "
                + "turn the API off with --no-api"
        }
    }

    private let address: APIAddress
    private let monitor: RunnerMonitor
    private let logger: Logger
    private let listened = Atomic<Bool>(false)
    private let cannotListen = Mutex<CannotListen?>(nil)
    /// Opened once the server listens; failed when it cannot.
    public let listening = StartupGate()

    public init(address: APIAddress, monitor: RunnerMonitor, logger: Logger) {
        self.address = address
        self.monitor = monitor
        self.logger = logger
    }

    /// How long open tap streams get to end at shutdown before their connections are cut (a reader
    /// that stopped reading holds its stream's write until then).
    static let streamsGrace = Duration.seconds(2)

    /// Samples the stages' rates once a second until the API closes; then, after `streamsGrace`, cuts
    /// the tap streams still open.
    private func sample() async {
        do {
            while !monitor.isClosing {
                monitor.sample()
                try await Task.sleep(for: .seconds(1))
            }
            try await Task.sleep(for: Self.streamsGrace)
        } catch {
            return
        }
        let cut = monitor.cutStreams()
        if cut > 0 { logger.notice("closed \(cut) tap stream\(cut == 1 ? "" : "s") whose reader stopped reading") }
    }

    /// Why the server could not listen, once `run` has thrown.
    public var failure: CannotListen? { cannotListen.withLock { $0 } }

    public func run() async throws {
        // Hummingbird's own messages (one per start, one per request at debug) only when they matter.
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        let app = Application(
            router: APIRoutes.router(monitor),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info("API listening on http://\(APIAddress(host: address.host, port: port))")
                listened.store(true, ordering: .releasing)
                listening.open()
            },
            // NIO's shared event loops (never shut down): a connection closing after the server has
            // returned must still find its loop.
            eventLoopGroupProvider: .singleton, logger: serverLogger)
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { [self] in await sample() }
                    defer {
                        monitor.close()
                        group.cancelAll()
                    }
                    try await app.run()
                }
            } onGracefulShutdown: { [monitor] in
                monitor.close()
            }
        } catch {
            listening.fail()
            if listened.load(ordering: .acquiring) { throw error }
            let failure = CannotListen(address: address, reason: "\(error)")
            cannotListen.withLock { $0 = failure }
            throw failure
        }
    }
}
