import SluiceCore

/// `type: filter`: keeps the events whose condition is true and drops the rest.
public enum FilterTransform: Stage {
    public static let typeName = "filter"
    public static let kind = StageKind.transform
    public static let summary = "Keeps the events for which a bool expression is true; drops the others."
    public static let options = [
        OptionDoc(
            "condition", "expression (bool)",
            "Kept when the value is true; false, null and non-bool values drop the event (counted as 'filtered')."
        )
    ]
    public static let example = """
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

    /// The decoded options of a filter.
    public struct Config: StageConfig {
        public let condition: Expression

        public init?(reading reader: inout OptionsReader) {
            guard let condition = reader.requiredExpression("condition", expecting: .bool) else { return nil }
            self.condition = condition
        }

        public var isStateless: Bool { true }

        public func makeRuntime(context: StageContext) throws -> StageRuntime {
            .processor(FilterProcessor(condition: condition))
        }
    }
}

/// The running filter.
final class FilterProcessor: Processor {
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

extension FilterTransform.Config: FieldPreserving {}
