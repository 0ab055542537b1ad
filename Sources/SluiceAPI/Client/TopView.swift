import SluiceCore

/// What `runner top` shows: one row per stage with its rates, queue fill, busy share, errors and drops.
public enum TopView {
    private struct Column: Sendable {
        let title: String
        let rightAligned: Bool
        let cell: @Sendable (PipelineStatus, StageStatus) -> String
    }

    private static let columns = [
        Column(title: "PIPELINE", rightAligned: false) { pipeline, _ in pipeline.name },
        Column(title: "STAGE", rightAligned: false) { _, stage in stage.id },
        Column(title: "TYPE", rightAligned: false) { _, stage in "\(stage.kind) \(stage.type)" },
        Column(title: "IN/S", rightAligned: true) { _, stage in perSecond(stage.eventsInPerSecond) },
        Column(title: "OUT/S", rightAligned: true) { _, stage in perSecond(stage.eventsOutPerSecond) },
        Column(title: "QUEUE", rightAligned: true) { _, stage in stage.queueFill.map(percent) ?? "-" },
        Column(title: "BUSY", rightAligned: true) { _, stage in percent(stage.busyRatio) },
        Column(title: "ERRORS", rightAligned: true) { _, stage in "\(stage.errors)" },
        Column(title: "DROPPED", rightAligned: true) { _, stage in "\(stage.dropped.values.reduce(0, +))" },
        Column(title: "STATE", rightAligned: false) { pipeline, stage in stage.failed ? "failed" : pipeline.state },
    ]

    /// The table for `pipelines`, as plain text.
    public static func render(_ pipelines: [PipelineStatus]) -> String {
        var table = AlignedTable(columns.map { AlignedTable.Column($0.title, rightAligned: $0.rightAligned) })
        for pipeline in pipelines {
            for stage in pipeline.stages { table.append(columns.map { $0.cell(pipeline, stage) }) }
        }
        return table.render() + (pipelines.isEmpty ? "(no pipelines running)\n" : "")
    }

    private static func perSecond(_ value: Double) -> String { NumberText.fixed(value, decimals: 0, grouping: true) }

    private static func percent(_ ratio: Double) -> String { NumberText.fixed(ratio * 100, decimals: 0) + "%" }
}
