import Foundation
import SluiceEngine
import SluiceTesting
import Testing

/// The assets in monitoring/ against the real /metrics: the alert rules pass their promtool unit tests,
/// /metrics passes `promtool check metrics`, and the rules and the Grafana dashboard name only series
/// the runner exports (or that the registry declares for the `http` source).
@Suite struct MonitoringAssetsTests {
    static let monitoring = RunnerProcess.packageRoot.appendingPathComponent("monitoring")

    /// promtool (Debian's `prometheus` package), or a recorded failure saying how to get it.
    static func promtool() -> String? {
        guard let path = Tool.find("promtool") else {
            Issue.record("promtool is missing: scripts/install-deps.sh installs it (Debian's prometheus package)")
            return nil
        }
        return path
    }

    @Test func alertRulesPassTheirUnitTests() throws {
        guard let promtool = Self.promtool() else { return }
        let check = Tool.run(promtool, ["check", "rules", Self.monitoring.appendingPathComponent("alerts.yml").path])
        #expect(check.status == 0, "\(check.output)")
        let test = Tool.run(
            promtool, ["test", "rules", Self.monitoring.appendingPathComponent("alerts.test.yml").path])
        #expect(test.status == 0, "\(test.output)")
    }

    @Test func metricsPassPromtoolCheck() async throws {
        guard let promtool = Self.promtool() else { return }
        let text = try await Self.liveMetrics()
        let check = Tool.run(promtool, ["check", "metrics"], input: text)
        #expect(check.status == 0, "\(check.output)\n\(text)")
    }

    @Test func everyDeclaredFamilyIsExported() async throws {
        let text = try await Self.liveMetrics()
        for family in MetricFamilies.all where !MetricFamilies.httpSource.contains(family) {
            #expect(text.contains("# TYPE \(family.name) \(family.kind.rawValue)\n"), "\(family.name) is not exported")
        }
    }

    @Test func theDashboardAndTheAlertsNameOnlyExportedSeries() async throws {
        let exported = Self.seriesNames(in: try await Self.liveMetrics())
        let known = exported.union(MetricFamilies.httpSource.flatMap(\.seriesNames)).union(["up"])
        let dashboard = try Data(contentsOf: Self.monitoring.appendingPathComponent("grafana-dashboard.json"))
        let object = try JSONSerialization.jsonObject(with: dashboard) as? [String: Any]
        let panels = try #require(object?["panels"] as? [[String: Any]])
        let expressions = panels.flatMap {
            ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        #expect(expressions.count >= panels.count)
        let alerts = try String(contentsOf: Self.monitoring.appendingPathComponent("alerts.yml"), encoding: .utf8)
        let named = Self.metricNames(in: expressions.joined(separator: "\n") + alerts)
        #expect(named.count > 10)
        #expect(named.subtracting(known).isEmpty, "not exported: \(named.subtracting(known).sorted())")
    }

    /// /metrics of a runner that ran a pipeline for a moment.
    static func liveMetrics() async throws -> String {
        let runner = try LiveRunner(["--no-watch", try endlessPipeline(name: "scraped").path])
        defer { runner.process.send(SIGKILL) }
        _ = try await runner.waitUntil { try await runner.get("/ready").status == 200 }
        return try await runner.get("/metrics").text
    }

    /// The series names of an exposition text: those with samples, and the families it declares with
    /// `# TYPE` (a counter nothing has counted yet, such as drops, has no sample).
    static func seriesNames(in text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line -> String? in
                if line.hasPrefix("# TYPE ") { return line.split(separator: " ").dropFirst(2).first.map(String.init) }
                if line.hasPrefix("#") { return nil }
                return String(line.prefix { $0 != "{" && $0 != " " })
            })
    }

    /// The Sluice and process metric names an expression text mentions.
    static func metricNames(in text: String) -> Set<String> {
        let pattern = /\b(?:sluice|process)_[a-z0-9_]+/
        return Set(text.matches(of: pattern).map { String($0.output) })
    }
}
