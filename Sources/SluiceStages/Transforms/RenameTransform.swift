import SluiceCore

/// `type: rename` — renames fields, one `old: new` pair at a time in the order written.
extension RenameTransform: TransformStage {
    typealias Config = RenameTransformConfig
    static let typeName = "rename"
    static let summary = "Renames fields (dotted paths allowed on both sides)."

    static let options = [
        OptionDoc(
            "fields", "{field: field}",
            "Old name to new name, applied in order; a missing field is skipped and an existing field with the "
                + "new name is replaced.")
    ]

    static let example = """
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              id: sequence()
              cat: choice(["books", "games"])
        transforms:
          renamed:
            type: rename
            inputs: [clicks]
            fields:
              cat: category
              id: event.id
        sinks:
          out:
            type: stdout
            inputs: [renamed]
        """
}

/// The options of a `rename` transform.
public struct RenameTransformConfig: ProcessorConfig {
    /// One renaming.
    public struct Renaming: Sendable, Hashable {
        public var from: FieldPath
        public var to: FieldPath

        public init(from: FieldPath, to: FieldPath) {
            self.from = from
            self.to = to
        }
    }

    public var renamings: [Renaming]

    public init(renamings: [Renaming]) {
        self.renamings = renamings
    }

    public init?(reading reader: inout OptionsReader) {
        guard let node = reader.node("fields") else {
            reader.missing("fields")
            return nil
        }
        guard let entries = node.entries, !entries.isEmpty else {
            reader.error(
                .wrongType, "option 'fields' must be a non-empty mapping of old name to new name",
                at: node.location)
            return nil
        }
        var renamings: [Renaming] = []
        var valid = true
        for entry in entries {
            let from = FieldPath(entry.key)
            if from == nil {
                reader.error(
                    .invalidValue, "'\(entry.key)' is not a field name or dotted path", at: entry.keyLocation)
            }
            let to = entry.value.scalar.flatMap { FieldPath($0) }
            if to == nil {
                let found = entry.value.scalar.map { "'\($0)'" } ?? entry.value.shapeName
                reader.error(
                    .invalidValue, "'fields.\(entry.key)' must be a field name or dotted path, found \(found)",
                    at: entry.value.location)
            }
            guard let from, let to else {
                valid = false
                continue
            }
            if from == to {
                reader.error(.invalidValue, "'\(entry.key)' is renamed to itself", at: entry.value.location)
            }
            renamings.append(Renaming(from: from, to: to))
        }
        guard valid else { return nil }
        self.init(renamings: renamings)
    }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        RenameTransform(renamings: renamings)
    }
}

/// The running `rename` transform: applies the renamings to every event.
///
/// A missing source field is skipped. Renaming onto a field that exists replaces it: the old target is
/// removed. A top-level field renamed to a top-level name keeps its position; otherwise the value moves
/// to the new path (creating intermediate objects) like a remove followed by a set.
final class RenameTransform: Processor {
    private let renamings: [RenameTransformConfig.Renaming]

    init(renamings: [RenameTransformConfig.Renaming]) {
        self.renamings = renamings
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        for index in batch.events.indices {
            for renaming in renamings {
                Self.apply(renaming, to: &batch.events[index])
            }
        }
        output.emit(batch)
    }

    private static func apply(_ renaming: RenameTransformConfig.Renaming, to event: inout Event) {
        let (from, to) = (renaming.from, renaming.to)
        guard from.tail.isEmpty, to.tail.isEmpty else {
            guard let value = event.value(at: from) else { return }
            event.setValue(nil, at: from)
            event.setValue(value, at: to)
            return
        }
        guard let position = event.fields.firstIndex(where: { $0.name == from.head }) else { return }
        event.fields[position].name = to.head
        if let existing = event.fields.indices.first(where: { $0 != position && event.fields[$0].name == to.head }) {
            event.fields.remove(at: existing)
        }
    }
}

extension RenameTransformConfig: FieldFlow {
    public func outputFields(given input: Set<String>?) -> Set<String>? {
        guard var fields = input else { return nil }
        for renaming in renamings {
            // A nested field moved out leaves its parent in place.
            if renaming.from.tail.isEmpty { fields.remove(renaming.from.head.string) }
            fields.insert(renaming.to.head.string)
        }
        return fields
    }
}
