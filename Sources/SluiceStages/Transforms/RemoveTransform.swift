import SluiceCore

/// `type: remove` — deletes fields from every event; fields that are missing are ignored.
extension RemoveTransform: TransformStage {
    typealias Config = RemoveTransformConfig
    static let typeName = "remove"
    static let summary = "Deletes fields (dotted paths allowed)."

    static let options = [
        OptionDoc("fields", "[field]", "The fields to delete (dotted paths allowed).")
    ]

    static let example = """
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              id: sequence()
              category: choice(["books", "games"])
              debug: "true"
        transforms:
          slim:
            type: remove
            inputs: [clicks]
            fields: [debug]
        sinks:
          out:
            type: stdout
            inputs: [slim]
        """
}

/// The options of a `remove` transform.
public struct RemoveTransformConfig: ProcessorConfig {
    public var fields: [FieldPath]

    public init(fields: [FieldPath]) {
        self.fields = fields
    }

    public init?(reading reader: inout OptionsReader) {
        guard let fields = reader.requiredFieldList("fields") else { return nil }
        self.init(fields: fields)
    }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        RemoveTransform(fields: fields)
    }
}

/// The running `remove` transform: deletes the configured fields from every event.
final class RemoveTransform: Processor {
    private let fields: [FieldPath]

    init(fields: [FieldPath]) {
        self.fields = fields
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        // Fields are looked up before anything is written, so events without them are not copied.
        for index in batch.events.indices {
            for path in fields where batch.events[index].value(at: path) != nil {
                batch.events[index].setValue(nil, at: path)
            }
        }
        output.emit(batch)
    }
}

extension RemoveTransformConfig: FieldFlow {
    public func outputFields(given input: Set<String>?) -> Set<String>? {
        input?.subtracting(fields.filter(\.tail.isEmpty).map(\.head.string))
    }
}
