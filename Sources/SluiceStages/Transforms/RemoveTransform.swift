import SluiceCore

/// `type: remove` — deletes fields from every event; fields that are missing are ignored.
public enum RemoveTransform: Stage {
    public static let typeName = "remove"
    public static let kind = StageKind.transform
    public static let summary = "Deletes fields (dotted paths allowed)."

    public static let options = [
        OptionDoc("fields", "[field]", "The fields to delete (dotted paths allowed).")
    ]

    public static let example = """
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

    /// The options of a `remove` transform.
    public struct Config: StageConfig {
        public var fields: [FieldPath]

        public init(fields: [FieldPath]) {
            self.fields = fields
        }

        public init?(reading reader: inout OptionsReader) {
            guard let fields = reader.fieldList("fields") else {
                if reader.node("fields") == nil { reader.missing("fields") }
                return nil
            }
            if fields.isEmpty, let node = reader.node("fields") {
                reader.error(.invalidValue, "option 'fields' must name at least one field", at: node.location)
            }
            self.init(fields: fields)
        }

        public var isStateless: Bool { true }

        public func makeRuntime(context: StageContext) throws -> StageRuntime {
            .processor(Runtime(fields: fields))
        }
    }

    /// Deletes the configured fields from every event.
    final class Runtime: Processor {
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
}

extension RemoveTransform.Config: FieldFlow {
    public func outputFields(given input: Set<String>?) -> Set<String>? {
        input?.subtracting(fields.filter(\.tail.isEmpty).map(\.head.string))
    }
}
