import SluiceCore
import Synchronization

/// `type: test_source` — numbered events for engine and stage tests.
extension TestSource: SourceStage {
    public typealias Config = TestSourceConfig
    public static let typeName = "test_source"
    public static let summary = "Numbered events for tests."
    public static let options: [OptionDoc] = [
        OptionDoc("count", "int", default: "endless", "Events to send before finishing."),
        OptionDoc("keys", "int", default: "4", "Distinct values of `key`."),
        OptionDoc("batch", "int", default: "100", "Events per batch."),
        OptionDoc("probe", "string", default: "none", "Name under which the sent count is kept."),
        OptionDoc("fail_after", "int", default: "never", "Fail for good after sending this many events."),
        OptionDoc(
            "acknowledge", "bool", default: "false",
            "Give each batch an acknowledgement and record how it settles under the probe name."),
    ]
    public static let example = """
        sources:
          numbers:
            type: test_source
            count: 10
        sinks:
          out:
            type: test_sink
            inputs: [numbers]
        """
}

/// The options of a test source.
public struct TestSourceConfig: SourceConfig {
    var count: Int?
    var keys: Int
    var batch: Int
    var probe: String?
    var failAfter: Int?
    var acknowledge: Bool

    public init?(reading reader: inout OptionsReader) {
        count = reader.int("count", minimum: 0)
        keys = reader.int("keys", minimum: 1) ?? 4
        batch = reader.int("batch", minimum: 1) ?? 100
        probe = reader.string("probe")
        failAfter = reader.int("fail_after", minimum: 0)
        acknowledge = reader.bool("acknowledge") ?? false
        if acknowledge, probe == nil {
            reader.error(
                .missingField, "option 'acknowledge' needs a 'probe' to record under",
                at: reader.location(of: "acknowledge"))
        }
    }

    public func makeSource(context: StageContext) throws -> any Source {
        TestSource(config: self)
    }
}

/// The running `test_source`: numbered events for engine and stage tests: `{seq, key, value}` where `seq`
/// counts from 0, `key` cycles through `keys` names and `value` is `seq % 10`.
///
/// With `count` it sends that many events and finishes; without, it runs until stopped. Every event it
/// sent is counted in `TestSource.sent(id)` so tests can compare what went in with what came out.
/// With `fail_after` it throws `StageFailure` once it has sent that many events, as a source whose input
/// became unreadable does. With `acknowledge: true` each batch carries an acknowledgement of its own, and
/// `TestSource.outcomes(probe)` tells how each settled, by batch number.
public final class TestSource: Source {
    private static let sentCounts = Mutex<[String: Int]>([:])
    private static let recorders = Mutex<[String: AcknowledgementRecorder]>([:])

    /// How many events the source with `probe: name` has sent so far.
    public static func sent(_ probe: String) -> Int {
        Self.sentCounts.withLock { $0[probe] ?? 0 }
    }

    /// How the acknowledgements of the batches of the source with `probe: name` (and `acknowledge: true`)
    /// settled so far, by batch number from 0; a batch not settled yet is missing.
    public static func outcomes(_ probe: String) -> [Int: AckOutcome] {
        recorder(probe).all
    }

    private static func recorder(_ probe: String) -> AcknowledgementRecorder {
        recorders.withLock { recorders in
            if let recorder = recorders[probe] { return recorder }
            let recorder = AcknowledgementRecorder()
            recorders[probe] = recorder
            return recorder
        }
    }

    let config: TestSourceConfig
    init(config: TestSourceConfig) { self.config = config }

    /// Sends the numbered events.
    public func run(output: SourceOutput) throws {
        let seq = FieldName("seq")
        let key = FieldName("key")
        let value = FieldName("value")
        let names = (0..<config.keys).map { Value.string("k\($0)") }
        var next = 0
        var batchNumber = 0
        while !output.isStopping, config.count.map({ next < $0 }) ?? true {
            let size = min(config.batch, (config.count ?? .max) - next)
            var batch = EventBatch(capacity: size)
            for i in next..<next + size {
                var event = Event(capacity: 3)
                event[seq] = .int(Int64(i))
                event[key] = names[i % names.count]
                event[value] = .int(Int64(i % 10))
                batch.append(event)
            }
            next += size
            if config.acknowledge, let probe = config.probe {
                let acknowledgement = Self.recorder(probe).acknowledgement(batchNumber)
                batch.acknowledgements.insert(acknowledgement)
                // The source's own hold: the batch holds it now.
                acknowledgement.release()
            }
            batchNumber += 1
            output.send(consume batch)
            if let probe = config.probe { Self.sentCounts.withLock { $0[probe] = next } }
            if let failAfter = config.failAfter, next >= failAfter {
                throw StageFailure("test source failed after sending \(next) events")
            }
        }
    }
}
