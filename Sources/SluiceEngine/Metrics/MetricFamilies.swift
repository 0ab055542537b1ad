import SluiceCore

/// Every metric family the runner exports, in one place (the metrics registry): stages, pipelines,
/// the process, and the `http` source. The Prometheus text (`/metrics`, `--stats-format prometheus`),
/// the `--stats` table, the alert rules and the Grafana dashboard in `monitoring/` all use these names.
public enum MetricFamilies {
    static let stage = ["pipeline", "stage"]

    // MARK: Stages (the engine counts for every stage)

    public static let eventsIn = MetricFamily(
        "sluice_stage_events_in_total", .counter, labels: stage, help: "Events received by the stage.")
    public static let eventsOut = MetricFamily(
        "sluice_stage_events_out_total", .counter, labels: stage, help: "Events emitted by the stage.")
    public static let bytesIn = MetricFamily(
        "sluice_stage_bytes_in_total", .counter, labels: stage, help: "Bytes of input read by the stage.")
    public static let bytesOut = MetricFamily(
        "sluice_stage_bytes_out_total", .counter, labels: stage, help: "Bytes written by the stage.")
    public static let errors = MetricFamily(
        "sluice_stage_errors_total", .counter, labels: stage, help: "Failed calls into the stage.")
    public static let dropped = MetricFamily(
        "sluice_stage_dropped_events_total", .counter, labels: stage + ["reason"],
        help: "Events dropped or rejected by the stage, by reason.")
    public static let counter = MetricFamily(
        "sluice_stage_counter_total", .counter, labels: stage + ["name"],
        help: "Stage-specific counts by name, such as late events routed to a late output.")
    public static let queueDepth = MetricFamily(
        "sluice_stage_queue_events", .gauge, labels: stage, help: "Events waiting in the stage's input queue.")
    public static let queueCapacity = MetricFamily(
        "sluice_stage_queue_capacity_events", .gauge, labels: stage,
        help: "Capacity of the stage's input queue (0: no queue of its own, a source or a fused stage).")
    public static let busySeconds = MetricFamily(
        "sluice_stage_busy_seconds_total", .counter, labels: stage, help: "Time spent inside the stage.")
    public static let busyRatio = MetricFamily(
        "sluice_stage_busy_ratio", .gauge, labels: stage,
        help: "Share of the last sampling interval (1 s) each copy of the stage spent inside it.")
    public static let stageInfo = MetricFamily(
        "sluice_stage_info", .gauge, labels: stage + ["kind", "type"], help: "The stage's kind and type; always 1.")
    public static let stageFailed = MetricFamily(
        "sluice_stage_failed", .gauge, labels: stage, help: "1 once the stage has failed for good, else 0.")

    public static let partitionLag = MetricFamily(
        "sluice_source_partition_lag_records", .gauge, labels: stage + ["topic", "partition"],
        help: "Records of a partition after the source's committed position (a kafka source's consumer lag).")

    // MARK: Pipelines

    public static let pipelineUp = MetricFamily(
        "sluice_pipeline_up", .gauge, labels: ["pipeline"],
        help: "1 while the pipeline runs with no stage failed for good, else 0.")
    public static let reloads = MetricFamily(
        "sluice_pipeline_reloads_total", .counter, labels: ["pipeline", "outcome"],
        help: "Attempts to apply a changed pipeline file, by outcome.")
    public static let configInfo = MetricFamily(
        "sluice_pipeline_config_info", .gauge, labels: ["pipeline", "hash"], help: "The running configuration's hash.")
    public static let reloadPause = MetricFamily(
        "sluice_pipeline_reload_pause_seconds", .gauge, labels: ["pipeline"],
        help: "How long the last applied reload paused the sources.")

    // MARK: The process

    public static let residentMemory = MetricFamily(
        "process_resident_memory_bytes", .gauge, labels: [], help: "Resident memory size in bytes.")
    public static let virtualMemory = MetricFamily(
        "process_virtual_memory_bytes", .gauge, labels: [], help: "Virtual memory size in bytes.")
    public static let cpuSeconds = MetricFamily(
        "process_cpu_seconds_total", .counter, labels: [], help: "User and system CPU time spent, in seconds.")
    public static let openFiles = MetricFamily(
        "process_open_fds", .gauge, labels: [], help: "Open file descriptors.")
    public static let maxFiles = MetricFamily(
        "process_max_fds", .gauge, labels: [], help: "The limit on open file descriptors.")
    public static let threads = MetricFamily(
        "process_threads", .gauge, labels: [], help: "Threads of the process.")
    public static let startTime = MetricFamily(
        "process_start_time_seconds", .gauge, labels: [],
        help: "Start time of the process since the Unix epoch, in seconds.")

    // MARK: The `http` source (declared for it; exported once it runs)

    public static let httpRequests = MetricFamily(
        "sluice_http_requests_total", .counter, labels: stage + ["status"],
        help: "Requests an http source answered, by status code.")
    public static let httpRequestDuration = MetricFamily(
        "sluice_http_request_duration_seconds", .histogram, labels: stage,
        help: "Time from a request's arrival to its answer.")
    public static let httpEventsAccepted = MetricFamily(
        "sluice_http_events_accepted_total", .counter, labels: stage, help: "Events an http source accepted.")
    public static let httpBytesAccepted = MetricFamily(
        "sluice_http_bytes_accepted_total", .counter, labels: stage,
        help: "Body bytes (after decompression) an http source accepted.")

    /// The families of the `http` source, declared before that source exists so the alert rules and the
    /// dashboard can name them.
    public static let httpSource = [httpRequests, httpRequestDuration, httpEventsAccepted, httpBytesAccepted]

    /// Every family, in the order `/metrics` exports them.
    public static let all: [MetricFamily] =
        StageMeasure.all.map(\.family) + [
            partitionLag, busyRatio, stageInfo, stageFailed, pipelineUp, reloads, configInfo, reloadPause,
            residentMemory,
            virtualMemory, cpuSeconds, openFiles, maxFiles, threads, startTime,
        ] + httpSource
}
