import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where a plugin stage puts the events of a batch that failed every try: an NDJSON file, one line per
/// event with the reason — `{"time":…,"pipeline":…,"stage":…,"plugin":…,"reason":…,"event":{…}}`.
///
/// The file is opened for appending at the first dead letter (its folder created), so a stage that never
/// fails leaves no file.
final class DeadLetterFile {
    let path: String
    private let pipeline: String
    private let stage: String
    private let plugin: String
    private var descriptor: Int32 = -1
    private var json = JSONWriter()

    init(path: String, context: StageContext, plugin: String) {
        self.path = path
        pipeline = context.pipeline
        stage = context.stage
        self.plugin = plugin
    }

    /// Appends `events` with `reason`; throws when the file cannot be written.
    func write(_ events: [Event], reason: String) throws(DeadLetterError) {
        if descriptor < 0 { try open() }
        json.reset()
        let time = SystemClock.wallMilliseconds()
        for event in events {
            var line = Event(capacity: 6)
            line[FieldName("time")] = .int(time)
            line[FieldName("pipeline")] = .string(pipeline)
            line[FieldName("stage")] = .string(stage)
            line[FieldName("plugin")] = .string(plugin)
            line[FieldName("reason")] = .string(reason)
            line[FieldName("event")] = .object(event)
            json.write(line)
            json.bytes.append(UInt8(ascii: "\n"))
        }
        var offset = 0
        let total = json.bytes.count
        while offset < total {
            let count = json.bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, total - offset) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw DeadLetterError(path: path, reason: String(cString: strerror(errno))) }
            offset += count
        }
    }

    private func open() throws(DeadLetterError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            Self.makeFolders(String(path[..<slash]))
        }
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DeadLetterError(path: path, reason: String(cString: strerror(errno))) }
    }

    private static func makeFolders(_ folder: String) {
        var prefix = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o755)
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}

/// A dead-letter file could not be written.
struct DeadLetterError: Error, CustomStringConvertible {
    let path: String
    let reason: String

    var description: String { "cannot write the dead-letter file '\(path)': \(reason)" }
}
