import SluiceCore

/// `type: enrich`: sets fields to the values of expressions.
extension EnrichTransform: TransformStage {
    typealias Config = EnrichTransformConfig
    static let typeName = "enrich"
    static let summary = "Sets fields (dotted paths allowed) to the values of expressions, in order."
    static let options = [
        OptionDoc(
            "fields", "mapping of field → expression",
            "Each field is set to its expression's value (null included); later entries see earlier results."
        )
    ]
    static let example = """
        sources:
          clicks:
            type: generate
            count: 10
            fields:
              price: uniform(1, 100)
              quantity: uniform_int(1, 5)
        transforms:
          stamp:
            type: enrich
            inputs: [clicks]
            fields:
              ingested_at: now()
              total: price * quantity
              order.size: if(total > 200, "large", "small")
        sinks:
          out:
            type: file
            inputs: [stamp]
            path: out/stamp.ndjson
        """
}

/// The decoded options of an enrich stage.
public struct EnrichTransformConfig: ProcessorConfig {
    public let fields: [FieldAssignment]

    public init?(reading reader: inout OptionsReader) {
        guard reader.contains("fields") else {
            reader.missing("fields")
            return nil
        }
        guard let fields = FieldAssignment.read("fields", from: &reader), !reader.diagnostics.hasErrors else {
            return nil
        }
        self.fields = fields
    }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        EnrichTransform(fields: fields)
    }
}

/// The running enrich stage.
final class EnrichTransform: Processor {
    private let fields: [FieldAssignment]
    private var context = EvaluationContext()

    init(fields: [FieldAssignment]) {
        self.fields = fields
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        var context = self.context
        defer { self.context = context }
        // One entry at a time over the whole batch, so each expression and path is fetched (and retained)
        // once per batch rather than once per event; every event still sees the entries before. The batch
        // is ours alone: fields are set in place, in the room the decoder reserved for them.
        for assignment in fields {
            let (path, expression) = (assignment.path, assignment.expression)
            batch.events.withUnsafeMutableBufferPointer { events in
                for index in events.indices {
                    events[index].setValue(expression.evaluate(events[index], context: &context), at: path)
                }
            }
        }
        output.countTypeMismatches(in: &context)
        output.emit(batch)
    }
}

extension EnrichTransformConfig: FieldFlow {
    public func outputFields(given input: Set<String>?) -> Set<String>? {
        input?.union(FieldAssignment.names(fields))
    }

    public func fieldWarnings(given input: Set<String>?) -> Diagnostics {
        input.map { FieldAssignment.bareWordWarnings(fields, available: $0) } ?? Diagnostics()
    }
}
