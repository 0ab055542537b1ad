import SluiceCore

/// Renders stage metrics as an aligned text table, for `runner apply --stats`: one column per
/// `StageMeasure`, numbers right-aligned, labelled measures ("3 filtered, 1 late") left-aligned.
public enum StatsTable {
    public static func render(_ snapshots: [StageMetricsSnapshot]) -> String {
        let measures = StageMeasure.all
        var table = AlignedTable(
            [.init("pipeline"), .init("stage"), .init("type")]
                + measures.map { AlignedTable.Column($0.column, rightAligned: !$0.isLabelled) })
        for snapshot in snapshots {
            table.append(
                [snapshot.pipeline, snapshot.stage, "\(snapshot.kind.rawValue) \(snapshot.typeName)"]
                    + measures.map { cell($0, snapshot) })
        }
        return table.render()
    }

    private static func cell(_ measure: StageMeasure, _ snapshot: StageMetricsSnapshot) -> String {
        let readings = measure.readings(snapshot)
        guard measure.isLabelled else {
            let value = readings.first?.value ?? 0
            return measure.decimals > 0 ? NumberText.fixed(value, decimals: measure.decimals) : MetricSample.text(value)
        }
        guard !readings.isEmpty else { return "0" }
        return readings.map { "\(MetricSample.text($0.value)) \($0.label ?? "")" }.joined(separator: ", ")
    }
}
