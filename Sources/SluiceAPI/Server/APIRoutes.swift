import Foundation
import Hummingbird
import SluiceCore
import SluiceEngine
import SluiceStorage

/// The routes of the runner's API.
enum APIRoutes {
    /// Samples a tap stream sends per second unless `?rate=` says otherwise.
    static let defaultTapRate = 100.0
    /// Events a tap holds for a reader that has not taken them yet; more are lost.
    static let tapBuffer = 1_000

    static func router(_ monitor: RunnerMonitor) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Dashboard.html)))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: PrometheusText.contentType],
                body: .init(byteBuffer: ByteBuffer(string: monitor.metricsText())))
        }
        router.get("/health") { _, _ in text(.ok, "ok\n") }
        router.get("/ready") { _, _ in
            monitor.supervisor.isReady
                ? text(.ok, "ready\n")
                : text(.serviceUnavailable, monitor.supervisor.isStopping ? "draining\n" : "starting\n")
        }
        router.get("/api/pipelines") { _, _ in try json(monitor.statuses()) }
        router.get("/api/pipelines/:name") { _, context in
            let name = try context.parameters.require("name")
            guard let status = monitor.statuses().first(where: { $0.name == name }) else {
                throw HTTPError(.notFound, message: "no pipeline named '\(name)'")
            }
            return try json(status)
        }
        let tables = TableCatalog(supervisor: monitor.supervisor)
        router.get("/api/tables") { _, _ in try json(tables.entries()) }
        router.get("/api/query") { request, _ in
            let query = request.uri.queryParameters
            guard let sql = query["sql"].map(String.init), !sql.isEmpty else {
                throw HTTPError(.badRequest, message: "give the statement to run as ?sql=")
            }
            let limit = try query["limit"].map { try positive(Int($0), "limit", $0) } ?? TableCatalog.defaultLimit
            do throws(TableCatalog.Refusal) {
                let result = try tables.query(
                    sql, database: query["db"].map(String.init), limit: min(limit, TableCatalog.maxLimit))
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: result.apiJSON)))
            } catch {
                throw HTTPError(.init(code: error.status), message: error.message)
            }
        }
        router.get("/api/pipelines/:name/tap/:stage") { request, context in
            let name = try context.parameters.require("name")
            let stage = try context.parameters.require("stage")
            let query = request.uri.queryParameters
            let limit = try query["limit"].map { try positive(Int($0), "limit", $0) }
            let rate = try query["rate"].map { try positive(Double($0), "rate", $0) } ?? defaultTapRate
            guard let tap = monitor.tap(pipeline: name, stage: stage) else {
                throw HTTPError(.notFound, message: "no stage '\(stage)' in a pipeline named '\(name)'")
            }
            let subscription = tap.subscribe(rate: rate, capacity: min(limit ?? tapBuffer, tapBuffer))
            let channel = context.channel
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    let stream = monitor.streamOpened(on: channel)
                    defer { monitor.streamClosed(stream) }
                    try await Self.stream(subscription, limit: limit, monitor: monitor, into: &writer)
                })
        }
        return router
    }

    /// Writes what `subscription` samples, one JSON object per line, until `limit` events went out, the
    /// reader went away (a write throws) or the API shuts down.
    private static func stream(
        _ subscription: TapSubscription, limit: Int?, monitor: RunnerMonitor, into writer: inout any ResponseBodyWriter
    ) async throws {
        defer { subscription.cancel() }
        var remaining = limit ?? .max
        var encoder = JSONWriter()
        while remaining > 0, !monitor.isClosing, !Task.isCancelled {
            let (events, _) = subscription.take()
            if events.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            encoder.reset()
            for event in events.prefix(remaining) {
                encoder.write(event)
                encoder.bytes.append(UInt8(ascii: "\n"))
            }
            remaining -= min(remaining, events.count)
            try await writer.write(ByteBuffer(bytes: encoder.bytes))
        }
        try await writer.finish(nil)
    }

    private static func positive<T: Comparable & Numeric>(_ value: T?, _ name: String, _ text: Substring) throws -> T {
        guard let value, value > 0 else {
            throw HTTPError(.badRequest, message: "\(name) must be a positive number, not '\(text)'")
        }
        return value
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func json(_ value: some Encodable) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try APIJSON.encoder().encode(value))))
    }
}
