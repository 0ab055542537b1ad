import SluiceCore

/// Every metric the engine exports, in one place: names, types and help texts in the Prometheus
/// exposition format. All carry `pipeline` and `stage` labels.
public enum MetricNames {
    /// One exported metric family.
    public struct Family: Sendable {
        public let name: String
        public let type: String
        public let help: String
    }

    public static let eventsIn = Family(
        name: "sluice_stage_events_in_total", type: "counter", help: "Events received by the stage.")
    public static let eventsOut = Family(
        name: "sluice_stage_events_out_total", type: "counter", help: "Events emitted by the stage.")
    public static let bytesIn = Family(
        name: "sluice_stage_bytes_in_total", type: "counter", help: "Bytes of input read by the stage.")
    public static let bytesOut = Family(
        name: "sluice_stage_bytes_out_total", type: "counter", help: "Bytes written by the stage.")
    public static let errors = Family(
        name: "sluice_stage_errors_total", type: "counter", help: "Failed calls into the stage.")
    public static let dropped = Family(
        name: "sluice_stage_dropped_events_total", type: "counter",
        help: "Events dropped or rejected by the stage, by reason.")
    public static let counter = Family(
        name: "sluice_stage_counter_total", type: "counter",
        help: "Stage-specific counts by name, such as late events routed to a late output.")
    public static let queueDepth = Family(
        name: "sluice_stage_queue_events", type: "gauge", help: "Events waiting in the stage's input queue.")
    public static let queueCapacity = Family(
        name: "sluice_stage_queue_capacity_events", type: "gauge", help: "Capacity of the stage's input queue.")
    public static let busySeconds = Family(
        name: "sluice_stage_busy_seconds_total", type: "counter", help: "Time spent inside the stage.")
}

extension DropReason {
    /// A stage threw an ordinary error while handling the batch: that batch is lost, the stage goes on.
    public static let stageError: DropReason = "stage_error"
    /// The stage failed for good (it threw `StageFailure`): what reaches it afterwards is not delivered.
    public static let stageFailed: DropReason = "stage_failed"
}
