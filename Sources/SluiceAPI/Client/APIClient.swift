import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the runner's API (`runner top`, `runner tap`), on SwiftNIO's HTTP
/// codec: one GET per connection.
public struct APIClient: Sendable {
    /// The runner's API could not be reached, or answered with an error.
    public struct Failure: Error, CustomStringConvertible {
        public let address: APIAddress
        public let reason: String
        public var description: String { "the runner's API at \(address): \(reason)" }

        public init(address: APIAddress, reason: String) {
            self.address = address
            self.reason = reason
        }
    }

    /// A whole answer.
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let address: APIAddress

    public init(address: APIAddress) {
        self.address = address
    }

    /// GETs `path` and returns the whole answer.
    public func get(_ path: String) async throws -> Response {
        var body: [UInt8] = []
        let status = try await stream(path) { _, chunk in body += chunk }
        return Response(status: status, body: body)
    }

    /// GETs `path` and hands each piece of the body to `onBody` (with the answer's status) as it
    /// arrives; returns the status.
    @discardableResult
    public func stream(_ path: String, onBody: (_ status: Int, _ bytes: [UInt8]) async throws -> Void) async throws
        -> Int
    {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure(
                address: address, reason: "cannot connect (\(error)); is `runner apply` running with its API?")
        }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: address.description)
            head.headers.add(name: "Connection", value: "close")
            // One write: a server answering at once (an error, `Connection: close`) may close before a second.
            try await outbound.write(contentsOf: [.head(head), .end(nil)])
            var status = 0
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let buffer): try await onBody(status, Array(buffer.readableBytesView))
                case .end: return status
                }
            }
            throw Failure(address: address, reason: "the connection closed before the answer ended")
        }
    }
}
