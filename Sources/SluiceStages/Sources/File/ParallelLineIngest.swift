import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// What decoding one line of a chunk produced that the source must pass on, in line order.
enum ChunkResult {
    /// Events batched up to `output.batchSize` (the chunk's last batch may be smaller).
    case batch(EventBatch)
    /// A bad line: why, and the message with `name:line:` in front.
    case reject(DropReason, String)
    /// Something noticed in a line that still became an event: the counter, the count and the message.
    case count(StageCounter, Int, String)
}

/// A stretch of whole lines of one file, read by the source thread and decoded by one decoder thread.
///
/// The lines point into `reader`'s buffer, which stays unchanged until the chunk is handed back and read
/// into again. The source thread owns the chunk except between `submit` and `isDecoded`, when one
/// decoder thread does.
final class LineChunk: @unchecked Sendable {
    let reader: LineReader
    var name = ""
    var items: [LineItem] = []
    var results: [ChunkResult] = []
    /// Set by the decoder under the pool's lock.
    var isDecoded = false

    init(reader: LineReader) {
        self.reader = reader
    }
}

/// A pool of decoder threads, each with its own `LineDecoder`, taking submitted chunks oldest first.
final class ChunkDecoderPool: @unchecked Sendable {
    // The pthread objects live in their own allocations so their addresses never move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when a chunk is submitted or the pool closes.
    private let submitted = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Signalled when a chunk is decoded.
    private let decoded = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var waiting: [LineChunk] = []
    private var isClosed = false
    private var threads: [pthread_t] = []

    init(format: LineFormat, maxLineBytes: Int, batchSize: Int, threadCount: Int) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(submitted, nil)
        pthread_cond_init(decoded, nil)
        threads = (0..<threadCount).map { _ in
            SystemThread.start(detached: false) { [self] in
                let decoder = ChunkDecoder(format: format, maxLineBytes: maxLineBytes, batchSize: batchSize)
                while let chunk = nextChunk() {
                    decoder.decode(chunk)
                    locked {
                        chunk.isDecoded = true
                        pthread_cond_broadcast(decoded)
                    }
                }
            }
        }
    }

    deinit {
        pthread_cond_destroy(decoded)
        pthread_cond_destroy(submitted)
        pthread_mutex_destroy(mutex)
        decoded.deallocate()
        submitted.deallocate()
        mutex.deallocate()
    }

    /// Queues `chunk` for the next free decoder.
    func submit(_ chunk: LineChunk) {
        locked {
            chunk.isDecoded = false
            waiting.append(chunk)
            pthread_cond_signal(submitted)
        }
    }

    /// Whether `chunk` is decoded, without waiting.
    func isDecoded(_ chunk: LineChunk) -> Bool {
        locked { chunk.isDecoded }
    }

    /// Waits until `chunk` is decoded.
    func wait(for chunk: LineChunk) {
        locked {
            while !chunk.isDecoded { pthread_cond_wait(decoded, mutex) }
        }
    }

    /// Ends the threads once the chunks already submitted are decoded, and waits for them.
    func close() {
        locked {
            isClosed = true
            pthread_cond_broadcast(submitted)
        }
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }

    private func nextChunk() -> LineChunk? {
        locked {
            while waiting.isEmpty && !isClosed { pthread_cond_wait(submitted, mutex) }
            return waiting.isEmpty ? nil : waiting.removeFirst()
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}

/// Turns one chunk's lines into batches and rejections, on a decoder thread.
private final class ChunkDecoder {
    private let decoder: LineDecoder
    private let maxLineBytes: Int
    private let batchSize: Int

    init(format: LineFormat, maxLineBytes: Int, batchSize: Int) {
        decoder = LineDecoder(format: format, maxRecordBytes: maxLineBytes)
        self.maxLineBytes = maxLineBytes
        self.batchSize = batchSize
    }

    func decode(_ chunk: LineChunk) {
        // Only line-by-line formats come here, so no CSV record continues from one line to the next.
        var csv = CSVState()
        var batch = EventBatch(capacity: batchSize)
        for item in chunk.items {
            switch item {
            case .line(let text, let number, let byteCount):
                decoder.decode(text, number: number, csvState: &csv) { outcome in
                    switch outcome {
                    case .event(let event, let note):
                        if let note {
                            chunk.results.append(.count(note.counter, note.count, note.message(in: chunk.name)))
                        }
                        batch.append(event)
                        batch.byteCount += byteCount
                        if batch.count >= batchSize {
                            var full = EventBatch(capacity: batchSize)
                            swap(&full, &batch)
                            chunk.results.append(.batch(full))
                        }
                    case .skipped:
                        break
                    case .noted(let note):
                        chunk.results.append(.count(note.counter, note.count, note.message(in: chunk.name)))
                    case .rejected(let reason, let message, let line):
                        chunk.results.append(.reject(reason, "\(chunk.name):\(line): \(message)"))
                    }
                }
            case .tooLong(let number, let byteCount):
                chunk.results.append(
                    .reject(
                        .lineTooLong,
                        LineIngest.tooLongMessage(
                            name: chunk.name, number: number, byteCount: byteCount, maxLineBytes: maxLineBytes)))
            }
        }
        if !batch.isEmpty { chunk.results.append(.batch(batch)) }
    }
}

/// The read → split → decode → batch loop of `LineIngest`, with decoding spread over several threads.
///
/// The source thread reads chunks and splits them into lines with a `LineReader` per chunk (so lines
/// spanning chunks and lines longer than `max_line_bytes` behave exactly as in `LineIngest`), hands each
/// chunk to a decoder thread, and sends the decoded batches and rejections strictly in chunk order. At
/// most `chunkLimit` chunks are read and not yet delivered: a blocked `send` stops reading.
final class ParallelLineIngest {
    /// The most memory the chunk buffers in flight may take, unless two chunks already need more.
    private static let bufferBudget = 64 << 20

    private let output: any SourceOutput
    private let pool: ChunkDecoderPool
    private let maxLineBytes: Int
    private let chunkLimit: Int
    /// Chunks read and submitted, oldest first.
    private var inFlight: [LineChunk] = []
    private var spare: [LineChunk] = []
    /// False once `send` refused a batch because the pipeline is stopping.
    private(set) var isOpen = true

    init(format: LineFormat, maxLineBytes: Int, decoders: Int, output: any SourceOutput) {
        self.output = output
        self.maxLineBytes = maxLineBytes
        let bufferBytes = maxLineBytes + (1 << 20)
        chunkLimit = max(2, min(decoders + 1, Self.bufferBudget / bufferBytes))
        pool = ChunkDecoderPool(
            format: format, maxLineBytes: maxLineBytes, batchSize: max(1, output.batchSize), threadCount: decoders)
    }

    /// True while the source should keep reading.
    var shouldContinue: Bool { isOpen && !output.isStopping }

    /// Reads `descriptor` to its end (or until stopping) and delivers all its events and rejections. As
    /// in `LineIngest`, a last line without a newline is a line at the end, but not when stopping.
    /// Returns false on a read error.
    func readToEnd(from descriptor: Int32, name: String) -> Bool {
        var cursor = LineCursor()
        var succeeded = true
        var atEnd = false
        while shouldContinue {
            deliverDecoded()
            guard let chunk = takeChunk(name: name) else { break }
            // As in `LineIngest`: poll(2) lets a stop reach a source idle on a pipe.
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 100)
            if polled == 0 || (polled < 0 && errno == EINTR) {
                spare.append(chunk)
                continue
            }
            let count = chunk.reader.read(from: descriptor, cursor: &cursor) { chunk.items.append($0) }
            if count <= 0 {
                spare.append(chunk)
                succeeded = count == 0
                atEnd = succeeded
                break
            }
            submit(chunk)
        }
        if atEnd, let chunk = takeChunk(name: name) {
            chunk.reader.finish(cursor: &cursor) { chunk.items.append($0) }
            submit(chunk)
        }
        while !inFlight.isEmpty { deliverOldest() }
        return succeeded
    }

    /// Stops the decoder threads.
    func close() {
        pool.close()
    }

    /// A chunk to read into, once fewer than `chunkLimit` are in flight; nil when stopping first.
    private func takeChunk(name: String) -> LineChunk? {
        while inFlight.count >= chunkLimit {
            guard shouldContinue else { return nil }
            deliverOldest()
        }
        let chunk: LineChunk
        if let reused = spare.popLast() {
            chunk = reused
        } else {
            chunk = LineChunk(reader: LineReader(maxLineBytes: maxLineBytes))
        }
        chunk.name = name
        chunk.items.removeAll(keepingCapacity: true)
        return chunk
    }

    private func submit(_ chunk: LineChunk) {
        inFlight.append(chunk)
        pool.submit(chunk)
    }

    /// Delivers the oldest chunks that are already decoded, without waiting.
    private func deliverDecoded() {
        while let oldest = inFlight.first, pool.isDecoded(oldest) { deliverOldest() }
    }

    /// Waits for the oldest chunk (at most one chunk's decoding) and delivers it.
    private func deliverOldest() {
        let oldest = inFlight.removeFirst()
        pool.wait(for: oldest)
        var results: [ChunkResult] = []
        swap(&results, &oldest.results)
        // Taken from the back of the reversed list so each batch moves out with its only reference.
        results.reverse()
        while let result = results.popLast() {
            switch consume result {
            case .batch(let batch):
                if isOpen && !output.send(batch) { isOpen = false }
            case .reject(let reason, let message):
                output.reject(1, reason: reason, message: message)
            case .count(let counter, let amount, let message):
                output.count(counter, amount, message: message)
            }
        }
        spare.append(oldest)
    }
}
