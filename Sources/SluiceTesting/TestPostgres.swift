import Foundation

/// The PostgreSQL server that `scripts/with-postgres.sh` starts on 127.0.0.1 for the tests that need one,
/// and servers of a test's own for tests that stop and start them.
///
/// A test that needs PostgreSQL starts with `try TestPostgres.requireURL()`: run without a server (plain
/// `swift test`), it fails with an issue that says how to get one, never passing silently.
public enum TestPostgres {
    /// The URL of the shared test server, from `SLUICE_TEST_POSTGRES_URL`.
    public static let url: String? = ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// What a test that needs PostgreSQL reports when no server was started.
    public static let missingServer =
        "this test needs PostgreSQL, and SLUICE_TEST_POSTGRES_URL is not set: run the tests with "
        + "scripts/test.sh, or with `scripts/with-postgres.sh swift test --skip-build` (it starts a throwaway "
        + "server; scripts/install-deps.sh installs PostgreSQL)"

    /// A table name no other test uses: tests share the server and run in parallel.
    public static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.prefix(8).lowercased()
    }

    /// The shared server's URL; throws (failing the test with `missingServer`) when there is none.
    public static func requireURL() throws -> String {
        guard let url else { throw TestFailure(missingServer) }
        return url
    }

    /// A PostgreSQL server of a test's own (`scripts/postgres-server.sh`), for tests that stop and start it
    /// while the others keep using the shared one; removed with its data when released.
    ///
    /// The script runs through `Tool.run`: `pg_ctl` leaves the server behind as a daemon, which Foundation's
    /// `Process` would wait for forever.
    public final class Server {
        public let url: String
        /// The server's data folder, which `pg_ctl -D` takes.
        public let data: String

        /// Creates and starts a server on a free port; throws (requiring PostgreSQL as `requireURL` does)
        /// when the shared server is missing too, since then PostgreSQL is probably not installed.
        public init() throws {
            _ = try TestPostgres.requireURL()
            let output = try Self.script(["start"])
            var values: [String: String] = [:]
            for line in output.split(separator: "\n") where line.hasPrefix("export ") {
                let parts = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                values[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            }
            guard let url = values["SLUICE_TEST_POSTGRES_URL"], let data = values["SLUICE_TEST_POSTGRES_DATA"] else {
                throw TestFailure("scripts/postgres-server.sh start printed no URL: \(output)")
            }
            self.url = url
            self.data = data
        }

        deinit {
            _ = try? Self.script(["remove", data])
        }

        /// Stops the server as `pg_ctl stop -m fast` does: open connections are ended.
        public func stop() throws { _ = try Self.script(["stop", data]) }

        /// Starts the stopped server again, on the same port and data.
        public func start() throws { _ = try Self.script(["start-again", data]) }

        private static func script(_ arguments: [String]) throws -> String {
            let script = packageRoot.appendingPathComponent("scripts/postgres-server.sh").path
            let (status, output) = Tool.run(script, arguments, deadline: 120)
            guard status == 0 else {
                throw TestFailure("scripts/postgres-server.sh \(arguments.joined(separator: " ")) failed: \(output)")
            }
            return output
        }

        private static let packageRoot: URL = {
            var url = URL(fileURLWithPath: #filePath)
            while url.path != "/" {
                url.deleteLastPathComponent()
                if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                    return url
                }
            }
            return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        }()
    }
}
