import NIOCore
import SluiceEngine
import SluiceGraph
import SluiceService
import Synchronization

/// What the API reads from a running `runner apply`: the supervisor's pipelines, the engine's counters
/// and failures, the rate sampler; read-only, except that the API's shutdown closes its tap streams.
public final class RunnerMonitor: Sendable {
    let engine: Engine
    let supervisor: PipelineSupervisor
    let sampler = RateSampler()
    private let closing = Atomic<Bool>(false)
    /// The connections of open tap streams, by stream number.
    private let streams = Mutex<(next: Int, open: [Int: any Channel])>((0, [:]))

    public init(engine: Engine, supervisor: PipelineSupervisor) {
        self.engine = engine
        self.supervisor = supervisor
    }

    /// True once the API shuts down: open tap streams end.
    var isClosing: Bool { closing.load(ordering: .acquiring) }

    func close() { closing.store(true, ordering: .releasing) }

    /// Notes a tap stream open on `channel`; returns its number for `streamClosed`.
    func streamOpened(on channel: any Channel) -> Int {
        streams.withLock { streams in
            defer { streams.next += 1 }
            streams.open[streams.next] = channel
            return streams.next
        }
    }

    func streamClosed(_ stream: Int) {
        _ = streams.withLock { $0.open.removeValue(forKey: stream) }
    }

    /// Closes the connections of the tap streams still open (their readers stopped reading, so their
    /// last write never ends); returns how many.
    func cutStreams() -> Int {
        let channels = streams.withLock { Array($0.open.values) }
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    /// Takes a rate sample of every stage of every pipeline.
    func sample() {
        let pipelines = supervisor.runningPipelines.map(\.pipeline)
        var copies: [String: Int] = [:]
        for pipeline in pipelines {
            for node in pipeline.graph.nodes { copies[pipeline.graph.name + "\u{0}" + node.id] = node.parallelism }
        }
        sampler.sample(pipelines.flatMap { $0.snapshot() }) { copies[$0.pipeline + "\u{0}" + $0.stage] ?? 1 }
    }

    /// Everything `GET /metrics` exports, in the Prometheus text format.
    func metricsText() -> String {
        let pipelines = supervisor.runningPipelines.map(\.pipeline)
        let failed = Set(engine.failures.map { $0.pipeline + "\u{0}" + $0.stage })
        var samples: [MetricSample] = []
        for pipeline in pipelines {
            let graph = pipeline.graph
            let snapshots = pipeline.snapshot()
            samples += PrometheusText.stageSamples(snapshots)
            for (node, snapshot) in zip(graph.nodes, snapshots) {
                let labels = [graph.name, node.id]
                let rates = sampler.rates(pipeline: graph.name, stage: node.id)
                samples.append(MetricSample(MetricFamilies.busyRatio, labels, rates.busyRatio))
                samples.append(
                    MetricSample(MetricFamilies.stageInfo, labels + [snapshot.kind.rawValue, snapshot.typeName], 1))
                samples.append(
                    MetricSample(
                        MetricFamilies.stageFailed, labels, failed.contains(graph.name + "\u{0}" + node.id) ? 1 : 0))
            }
        }
        samples += supervisor.metricSamples()
        samples += ProcessMetrics.samples()
        let exported = MetricFamilies.all.filter { !MetricFamilies.httpSource.contains($0) }
        return PrometheusText.render(samples, families: exported)
    }

    /// Every running pipeline with its stages.
    func statuses() -> [PipelineStatus] {
        let failed = Set(engine.failures.map { $0.pipeline + "\u{0}" + $0.stage })
        let stopping = supervisor.isStopping
        return supervisor.runningPipelines.map { entry in
            let pipeline = entry.pipeline
            let graph = pipeline.graph
            let state =
                pipeline.hasFailed ? "failed" : pipeline.isFinished ? "finished" : stopping ? "stopping" : "running"
            let stages = zip(graph.nodes, pipeline.snapshot()).map { node, snapshot in
                let rates = sampler.rates(pipeline: graph.name, stage: node.id)
                return StageStatus(
                    id: node.id, kind: node.kind.rawValue, type: node.typeName, inputs: node.inputs.map(\.label),
                    parallelism: node.parallelism, eventsIn: snapshot.eventsIn, eventsOut: snapshot.eventsOut,
                    bytesIn: snapshot.bytesIn, bytesOut: snapshot.bytesOut, errors: snapshot.errors,
                    dropped: Dictionary(uniqueKeysWithValues: snapshot.drops.map { ($0.key.rawValue, $0.value) }),
                    queueEvents: snapshot.queueDepth, queueCapacity: snapshot.queueCapacity,
                    queueFill: snapshot.queueCapacity > 0
                        ? Double(snapshot.queueDepth) / Double(snapshot.queueCapacity) : nil,
                    busySeconds: snapshot.busySeconds, eventsInPerSecond: rates.eventsInPerSecond,
                    eventsOutPerSecond: rates.eventsOutPerSecond, busyRatio: rates.busyRatio,
                    failed: failed.contains(graph.name + "\u{0}" + node.id))
            }
            let reloads = supervisor.reloads(of: graph.name)
            return PipelineStatus(
                name: graph.name, file: entry.file, configuration: graph.digest, state: state,
                reloads: Dictionary(
                    uniqueKeysWithValues: PipelineSupervisor.Outcome.allCases.map {
                        ($0.rawValue, reloads[$0] ?? 0)
                    }), stages: stages)
        }
    }

    /// The tap of `stage` in `pipeline`, or nil when there is no such stage.
    func tap(pipeline name: String, stage: String) -> StageTap? {
        supervisor.runningPipelines.first { $0.pipeline.graph.name == name }?.pipeline.metrics.first {
            $0.stage == stage
        }?.tap
    }
}
