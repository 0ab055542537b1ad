import SluiceCore

/// `type: generate`: produces synthetic events from expressions, for demos, benchmarks and tests.
extension GenerateSource: SourceStage {
    typealias Config = GenerateSourceConfig
    static let typeName = "generate"
    static let summary =
        "Generates events whose fields are expressions, with sequence(), choice(), uniform() and uniform_int()."
    static let options = [
        OptionDoc("count", "integer", default: "endless", "How many events to generate; omit for an endless stream."),
        OptionDoc("rate", "number", default: "unlimited", "Events per second; omit to generate as fast as possible."),
        OptionDoc(
            "fields", "mapping of field → expression",
            "Each event's fields, in order (later ones may use earlier ones); generator functions are allowed."),
        OptionDoc("seed", "integer", default: "random", "Seed of the random functions, for a reproducible stream."),
        OptionDoc(
            "batch_size", "integer", default: "the engine's batch size",
            "Events per batch (capped so a rated stream sends at least 10 batches a second)."),
    ]
    static let example = """
        sources:
          clicks:
            type: generate
            count: 1000
            rate: 20000
            seed: 42
            fields:
              id: sequence()
              category: choice(["books", "games", "music"])
              value: uniform(0, 1000)
              ts: now()
        sinks:
          out:
            type: file
            inputs: [clicks]
            path: out/clicks.ndjson
        """
}

/// The decoded options of a generate source.
public struct GenerateSourceConfig: SourceConfig {
    public let count: Int?
    public let rate: Double?
    public let fields: [FieldAssignment]
    public let seed: UInt64?
    public let batchSize: Int?

    public init?(reading reader: inout OptionsReader) {
        count = reader.int("count", minimum: 0)
        rate = reader.double("rate")
        if let rate, rate <= 0 {
            reader.error(.invalidValue, "option 'rate' must be above 0, found \(rate)", at: reader.location(of: "rate"))
        }
        seed = reader.int("seed").map { UInt64(bitPattern: Int64($0)) }
        batchSize = reader.int("batch_size", minimum: 1)
        if !reader.contains("fields") { reader.missing("fields") }
        let fields = FieldAssignment.read("fields", from: &reader, functions: .generators)
        if let fields, fields.isEmpty, !reader.diagnostics.hasErrors {
            reader.error(.invalidValue, "option 'fields' needs at least one field", at: reader.location(of: "fields"))
        }
        guard let fields, !reader.diagnostics.hasErrors else { return nil }
        self.fields = fields
    }

    public func makeSource(context: StageContext) throws -> any Source {
        GenerateSource(config: self)
    }
}

/// The running generate source. All its state lives in `run`, so the object itself is immutable.
final class GenerateSource: Source {
    private let config: GenerateSourceConfig

    init(config: GenerateSourceConfig) {
        self.config = config
    }

    func run(output: SourceOutput) throws {
        var context = EvaluationContext(seed: config.seed ?? UInt64.random(in: .min ... .max))
        var batchSize = config.batchSize ?? output.batchSize
        if let rate = config.rate {
            // Pace in small steps: at least ten batches a second, so a slow rate is not a burst a minute.
            batchSize = max(1, Int(min(rate / 10, Double(batchSize))))
        }
        batchSize = max(1, batchSize)
        let start = ContinuousClock.now
        var produced = 0
        while !output.isStopping {
            let remaining = config.count.map { $0 - produced } ?? Int.max
            guard remaining > 0 else { return }
            // Paced before each batch but the first, so the last batch is not followed by a wait (a very
            // slow rate would otherwise hold a finished source for as long as a clock can wait).
            if let rate = config.rate, produced > 0 {
                let due = Double(produced) / rate - Self.seconds(since: start)
                if due > 0 { output.sleep(seconds: due) }
                if output.isStopping { return }
            }
            let size = min(batchSize, remaining)
            var batch = EventBatch(capacity: size)
            for _ in 0..<size {
                var event = Event(capacity: config.fields.count)
                FieldAssignment.apply(config.fields, to: &event, context: &context)
                batch.append(event)
            }
            output.countTypeMismatches(in: &context)
            guard output.send(consume batch) else { return }
            produced += size
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

extension GenerateSourceConfig: FieldFlow {
    public func outputFields(given input: Set<String>?) -> Set<String>? {
        FieldAssignment.names(fields)
    }

    public func fieldWarnings(given input: Set<String>?) -> Diagnostics {
        FieldAssignment.bareWordWarnings(fields, available: [])
    }
}
