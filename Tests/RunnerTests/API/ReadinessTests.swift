import Foundation
import SluiceTesting
import Testing

/// `/ready` follows the pipelines: 503 while one is being built and while they drain after a signal,
/// 200 in between; `/health` answers 200 throughout, and a drained runner exits 0.
@Suite struct ReadinessTests {
    @Test func readyIsUnavailableWhileStartingAndWhileDraining() async throws {
        let folder = try temporaryFolder()
        let fifo = folder.appendingPathComponent("out.fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let file = folder.appendingPathComponent("slow.yaml")
        try """
        name: slow
        sources:
          numbers:
            type: generate
            rate: 5000
            fields: { id: sequence() }
        sinks:
          out:
            type: file
            inputs: [numbers]
            path: \(fifo.path)
            append: true
        """.write(to: file, atomically: true, encoding: .utf8)
        let runner = try LiveRunner(["--no-watch", file.path])
        defer { runner.process.send(SIGKILL) }

        // The file sink blocks opening a FIFO nobody reads: the pipeline is still being built.
        let starting = try await runner.get("/ready")
        #expect(starting.status == 503 && starting.text == "starting\n")
        #expect(try await runner.get("/health").status == 200)

        // A reader that reads nothing yet: the sink opens, and soon blocks on the full FIFO.
        let reader = open(fifo.path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        #expect(try await runner.waitUntil { try await runner.get("/ready").status == 200 })
        // The sink is blocked in a write once the FIFO is full: the drain cannot end before it is read.
        let writer = open(fifo.path, O_WRONLY | O_NONBLOCK)
        #expect(writer >= 0)
        #expect(eventually { isFull(writer) }, "the FIFO never filled: \(runner.process.stderrSoFar)")
        // Closed, so the reader sees the end once the runner has closed its end too.
        close(writer)

        runner.process.send(SIGTERM)
        #expect(try await runner.waitUntil { try await runner.get("/ready").text == "draining\n" })
        #expect(try await runner.get("/ready").status == 503)
        #expect(try await runner.get("/health").status == 200)

        // Reading the FIFO to its end lets the sink drain; the runner then exits 0.
        let drained = Thread.detachNewThreadDrain(reader)
        let result = try #require(runner.exit())
        #expect(result.status == 0, "\(result.stderr)")
        let text = drained.wait()
        let ids = text.split(separator: "\n").compactMap { line -> Int? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int
        }
        // Everything generated reached the FIFO, in order.
        #expect(!ids.isEmpty && ids == Array(0..<ids.count))
    }
}

/// True when the FIFO that `writeEnd` writes to is full: a writer blocks now.
private func isFull(_ writeEnd: Int32) -> Bool {
    var ready = pollfd(fd: writeEnd, events: Int16(POLLOUT), revents: 0)
    return poll(&ready, 1, 0) == 0
}

extension Thread {
    /// Reads `descriptor` to its end on a thread of its own; `wait()` returns what it read.
    static func detachNewThreadDrain(_ descriptor: Int32) -> DrainedText {
        let drained = DrainedText()
        Thread.detachNewThread {
            // Blocking reads from here on.
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count > 0 {
                    bytes += buffer[0..<count]
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            close(descriptor)
            drained.finish(String(decoding: bytes, as: UTF8.self))
        }
        return drained
    }
}

/// The text a drain thread read, once it has read everything.
final class DrainedText: @unchecked Sendable {
    private let done = NSCondition()
    private var text: String?

    func finish(_ text: String) {
        done.lock()
        self.text = text
        done.broadcast()
        done.unlock()
    }

    func wait() -> String {
        done.lock()
        defer { done.unlock() }
        while text == nil { done.wait() }
        return text ?? ""
    }
}
