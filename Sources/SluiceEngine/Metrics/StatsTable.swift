import SluiceCore

/// Renders stage metrics as an aligned text table, for `runner apply --stats`.
public enum StatsTable {
    public static func render(_ snapshots: [StageMetricsSnapshot]) -> String {
        let header = ["pipeline", "stage", "type", "events in", "events out", "bytes in", "bytes out", "errors",
                      "dropped", "queue", "busy s", "counters"]
        let rows = snapshots.map { s -> [String] in
            let drops = s.drops.isEmpty ? "0" : s.drops.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
            let counters = s.counters.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
            return [s.pipeline, s.stage, "\(s.kind.rawValue) \(s.typeName)", "\(s.eventsIn)", "\(s.eventsOut)",
                    "\(s.bytesIn)", "\(s.bytesOut)", "\(s.errors)", drops, "\(s.queueDepth)/\(s.queueCapacity)",
                    NumberText.fixed(s.busySeconds, decimals: 3), counters]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                // Numbers read better right-aligned; names left-aligned.
                return index >= 3 && index != 8 && index != 11 ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
