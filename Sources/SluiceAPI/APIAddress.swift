/// Where the runner's API listens: `HOST:PORT`, e.g. `127.0.0.1:8686` (port 0: any free port).
public struct APIAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// The runner's default: loopback only, port 8686.
    public static let standard = APIAddress(host: "127.0.0.1", port: 8686)

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[::1]:8686` for IPv6); nil when it is not one.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
