import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

@Suite struct RouteTransformTests {
    typealias F = ExpressionStageFixtures

    @Test func sendsEventsToEveryMatchingRouteAndUnmatchedToTheMainPort() throws {
        let (read, diagnostics) = F.read(
            RouteTransform.self,
            F.options([("routes", .map([("errors", .plain("status >= 500")), ("slow", .plain("ms > 100"))]))]))
        #expect(diagnostics.isEmpty)
        let config = try #require(read)
        #expect(config.namedOutputs == ["errors", "slow"])
        let ok = Event(["status": 200, "ms": 5])
        let failed = Event(["status": 503, "ms": 5])
        let slowFailure = Event(["status": 500, "ms": 900])
        let slow = Event(["status": 200, "ms": 101])
        let run = try ProcessorHarness(config).run([ok, failed, slowFailure, slow])
        let ports = run.batches.map { $0.flatMap(\.events) }
        #expect(ports[0] == [ok])
        #expect(ports[1] == [failed, slowFailure])
        #expect(ports[2] == [slowFailure, slow])
        #expect(run.drops.isEmpty)
    }

    @Test func rejectsBadRouteNamesAndConditions() {
        let (config, diagnostics) = F.read(
            RouteTransform.self,
            F.options([("routes", .map([("a.b", .plain("true")), ("n", .plain("1 + 1"))]))]))
        #expect(config == nil)
        #expect(
            diagnostics.all.map(\.message).sorted() == [
                "'routes.n' must be a bool expression, found int",
                "route name 'a.b' must be non-empty and contain no '.'",
            ])
    }

    @Test func requiresAtLeastOneRoute() {
        #expect(
            F.read(RouteTransform.self, F.options([])).diagnostics.all.map(\.message) == [
                "missing required option 'routes'"
            ])
        #expect(
            F.read(RouteTransform.self, F.options([("routes", .map([]))])).diagnostics.all.map(\.message) == [
                "option 'routes' needs at least one route"
            ])
    }
}
