import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// One input stream being read: its name for messages, its place in the lines, its CSV header.
struct InputStream {
    /// The name messages use: the path as configured, or `<stdin>`.
    let name: String
    var lines = LineCursor()
    var csv = CSVState()

    init(name: String) {
        self.name = name
    }

    /// Forgets everything read, for a file that was truncated or replaced.
    mutating func restart() {
        self = InputStream(name: name)
    }
}

/// The read → split → decode → batch loop shared by the file and stdin sources.
///
/// Good events are batched up to `output.batchSize` and sent; every bad line is rejected through
/// `output.reject` with `name:line: what was wrong` and never stops the stream. Sending blocks while the
/// pipeline is full, so reading pauses with it.
final class LineIngest {
    private let output: any SourceOutput
    private let reader: LineReader
    private let decoder: LineDecoder
    // Touched by the source's thread alone, once per line: the dynamic exclusivity check would cost more
    // than appending the event.
    @exclusivity(unchecked) private var batch: EventBatch
    private let batchSize: Int
    /// False once `send` refused a batch because the pipeline is stopping.
    private(set) var isOpen = true

    init(format: LineFormat, maxLineBytes: Int, output: any SourceOutput) {
        self.output = output
        reader = LineReader(maxLineBytes: maxLineBytes)
        decoder = LineDecoder(format: format, maxRecordBytes: maxLineBytes)
        batchSize = max(1, output.batchSize)
        batch = EventBatch(capacity: batchSize)
    }

    /// True while the source should keep reading.
    var shouldContinue: Bool { isOpen && !output.isStopping }

    /// Reads one chunk of `descriptor` into events. Returns the bytes read: 0 at the end of the data,
    /// -1 on an error (see `errno`).
    func readChunk(from descriptor: Int32, stream: inout InputStream) -> Int {
        // The CSV state moves out for the duration so the callback can own it beside the line cursor.
        var csv = CSVState()
        swap(&csv, &stream.csv)
        defer { swap(&csv, &stream.csv) }
        let name = stream.name
        return reader.read(from: descriptor, cursor: &stream.lines) { item in accept(item, name: name, csv: &csv) }
    }

    /// The first bytes (up to `limit`) the last `readChunk` decoded from: a line carried over from the
    /// chunk before, if any, then the chunk.
    func firstBytesRead(upTo limit: Int) -> [UInt8] {
        reader.firstBytes(upTo: limit)
    }

    /// The last bytes (up to `limit`) that the last `readChunk` reached, ending where it stopped.
    func lastBytesRead(upTo limit: Int) -> [UInt8] {
        reader.lastBytes(upTo: limit)
    }

    /// Reads `descriptor` to its end (or until stopping). At the end the stream is ended, so a last line
    /// without a newline is a line; a stop leaves an unfinished line alone, since it is only the part read
    /// so far. Returns false on a read error.
    func readToEnd(from descriptor: Int32, stream: inout InputStream) -> Bool {
        while shouldContinue {
            // Waiting in poll(2) rather than in read(2) lets a stop reach a source idle on a pipe or a
            // terminal; for a regular file poll answers at once.
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 100)
            if polled == 0 || (polled < 0 && errno == EINTR) { continue }
            let count = readChunk(from: descriptor, stream: &stream)
            if count < 0 { return false }
            if count == 0 {
                finish(&stream)
                break
            }
        }
        return true
    }

    /// Ends a stream: decodes its last line if it had no newline, and gives up on a CSV record left open.
    func finish(_ stream: inout InputStream) {
        var csv = CSVState()
        swap(&csv, &stream.csv)
        defer { swap(&csv, &stream.csv) }
        let name = stream.name
        reader.finish(cursor: &stream.lines) { item in accept(item, name: name, csv: &csv) }
        decoder.finishCSV(&csv) { outcome in handle(outcome, name: name, byteCount: 0) }
    }

    /// Reads all of `descriptor` as one JSON document (`format: json`), up to `maxBytes`.
    func readDocument(from descriptor: Int32, name: String, maxBytes: Int) -> Bool {
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while text.count <= maxBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            if count == 0 { break }
            text.append(contentsOf: chunk[0..<count])
        }
        guard text.count <= maxBytes else {
            reject(.lineTooLong, "\(name):1: document larger than max_line_bytes (\(maxBytes) bytes)")
            return true
        }
        // The document's bytes are counted with the first batch of its events.
        var byteCount = text.count
        text.withUnsafeBytes { bytes in
            let start = LineReader.startsWithByteOrderMark(bytes) ? 3 : 0
            decoder.decodeDocument(UnsafeRawBufferPointer(rebasing: bytes[start...])) { outcome in
                handle(outcome, name: name, byteCount: byteCount)
                byteCount = 0
            }
        }
        return true
    }

    /// Sends the events batched so far.
    func flush() {
        guard !batch.isEmpty else { return }
        var full = EventBatch(capacity: batchSize)
        swap(&full, &batch)
        // Consumed, not copied: a reference kept here while a worker already processes the batch would
        // make the first stage copy the events it changes.
        if !output.send(consume full) { isOpen = false }
    }

    private func accept(_ item: LineItem, name: String, csv: inout CSVState) {
        switch item {
        case .line(let text, let number, let byteCount):
            // The line's bytes are counted with the first event it completes.
            var uncounted = byteCount
            decoder.decode(text, number: number, csvState: &csv) { outcome in
                handle(outcome, name: name, byteCount: uncounted)
                if case .event = outcome { uncounted = 0 }
            }
        case .tooLong(let number, let byteCount):
            reject(
                .lineTooLong,
                Self.tooLongMessage(name: name, number: number, byteCount: byteCount, maxLineBytes: reader.maxLineBytes)
            )
        }
    }

    /// The rejection message for a line longer than `maxLineBytes`.
    static func tooLongMessage(name: String, number: Int, byteCount: Int, maxLineBytes: Int) -> String {
        "\(name):\(number): line of \(byteCount) bytes is longer than max_line_bytes (\(maxLineBytes))"
    }

    private func handle(_ outcome: LineDecoder.Outcome, name: String, byteCount: Int) {
        switch outcome {
        case .event(let event, let note):
            if let note { output.count(note.counter, note.count, message: note.message(in: name)) }
            batch.append(event)
            batch.byteCount += byteCount
            if batch.count >= batchSize { flush() }
        case .skipped:
            break
        case .noted(let note):
            output.count(note.counter, note.count, message: note.message(in: name))
        case .rejected(let reason, let message, let line):
            reject(reason, "\(name):\(line): \(message)")
        }
    }

    private func reject(_ reason: DropReason, _ message: String) {
        output.reject(1, reason: reason, message: message)
    }
}
