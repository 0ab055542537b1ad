import SluiceCore

// The template for a new stage (docs/writing-stages.md): the registry's facts about the stage type, its
// configuration, then its runtime, in one file named after the runtime.

/// `type: filter`: keeps the events whose condition is true and drops the rest.
extension FilterTransform: TransformStage {
    typealias Config = FilterTransformConfig
    static let typeName = "filter"
    static let summary = "Keeps the events for which a bool expression is true; drops the others."
    static let options = [
        OptionDoc(
            "condition", "expression (bool)",
            "Kept when the value is true; false, null and non-bool values drop the event (counted as 'filtered')."
        )
    ]
    static let example = """
        sources:
          clicks:
            type: generate
            count: 100
            fields:
              value: uniform_int(0, 10)
              category: choice(["books", "games", ""])
        transforms:
          valid:
            type: filter
            inputs: [clicks]
            condition: value >= 1 && category != ""
        sinks:
          out:
            type: file
            inputs: [valid]
            path: out/valid.ndjson
        """
}

/// The options of a `filter` transform.
public struct FilterTransformConfig: ProcessorConfig {
    /// The condition an event must meet to be kept; checked to be able to be bool.
    public let condition: Expression

    public init?(reading reader: inout OptionsReader) {
        guard let condition = reader.requiredExpression("condition", expecting: .bool) else { return nil }
        self.condition = condition
    }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        FilterTransform(condition: condition)
    }
}

/// The running filter: keeps the events whose condition is true, in order, and counts the others.
final class FilterTransform: Processor {
    private let condition: Expression
    private var context = EvaluationContext()

    init(condition: Expression) {
        self.condition = condition
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        // Locals, not properties, inside the loop: reading a class's stored property per event retains it.
        let condition = self.condition
        var context = self.context
        defer { self.context = context }
        // The batch is ours alone, so the survivors are compacted in place, in order: through the buffer,
        // an event is tested and moved without being retained.
        let received = batch.count
        let kept = batch.events.withUnsafeMutableBufferPointer { events in
            var kept = 0
            for index in events.indices where condition.isTrue(events[index], context: &context) {
                events.swapAt(kept, index)
                kept += 1
            }
            return kept
        }
        batch.events.removeLast(received - kept)
        output.drop(received - kept, reason: .filtered)
        output.countTypeMismatches(in: &context)
        output.emit(batch)
    }
}

extension FilterTransformConfig: FieldPreserving {}
