import SluiceCore

/// `type: clean` — normalizes string fields: trims and collapses whitespace, lower- or upper-cases.
extension CleanTransform: TransformStage {
    typealias Config = CleanTransformConfig
    static let typeName = "clean"
    static let summary = "Trims, collapses whitespace in and lower- or upper-cases string fields."

    static let options = [
        OptionDoc("fields", "[field]", "The string fields to clean (dotted paths allowed)."),
        OptionDoc("trim", "bool", default: "false", "Remove leading and trailing Unicode whitespace."),
        OptionDoc("lowercase", "bool", default: "false", "Map to lower case (full Unicode rules)."),
        OptionDoc(
            "uppercase", "bool", default: "false",
            "Map to upper case (full Unicode rules); not together with `lowercase`."),
        OptionDoc(
            "collapse_whitespace", "bool", default: "false",
            "Replace every run of Unicode whitespace with one ASCII space."),
    ]

    static let example = """
        sources:
          clicks:
            type: generate
            count: 1000
            fields:
              id: sequence()
              category: choice(["  Books", "GAMES ", "Board  games"])
        transforms:
          tidy:
            type: clean
            inputs: [clicks]
            fields: [category]
            trim: true
            lowercase: true
            collapse_whitespace: true
        sinks:
          out:
            type: stdout
            inputs: [tidy]
        """
}

/// The options of a `clean` transform.
public struct CleanTransformConfig: ProcessorConfig {
    public var fields: [FieldPath]
    public var cleaner: TextCleaner

    public init(fields: [FieldPath], cleaner: TextCleaner = TextCleaner()) {
        self.fields = fields
        self.cleaner = cleaner
    }

    public init?(reading reader: inout OptionsReader) {
        let fields = reader.requiredFieldList("fields")
        let trim = reader.bool("trim")
        let lowercase = reader.bool("lowercase")
        let uppercase = reader.bool("uppercase")
        let collapse = reader.bool("collapse_whitespace")
        if lowercase == true, uppercase == true {
            reader.error(
                .invalidValue, "options 'lowercase' and 'uppercase' cannot both be true",
                at: reader.location(of: "uppercase"))
        }
        guard let fields else { return nil }
        self.init(fields: fields)
        if let trim { cleaner.trim = trim }
        if let collapse { cleaner.collapseWhitespace = collapse }
        if lowercase == true {
            cleaner.caseMapping = .lower
        } else if uppercase == true {
            cleaner.caseMapping = .upper
        }
    }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        CleanTransform(fields: fields, cleaner: cleaner)
    }
}

/// The running `clean` transform: cleans the configured fields of every event.
///
/// Values that are not strings are left as they are, and missing fields stay missing. An event whose
/// fields need no change is passed on untouched (no copy).
final class CleanTransform: Processor {
    private let fields: [FieldPath]
    private let cleaner: TextCleaner

    init(fields: [FieldPath], cleaner: TextCleaner) {
        self.fields = fields
        self.cleaner = cleaner
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        // Locals, not properties, inside the loop: reading a class's stored property per event retains it.
        let (fields, cleaner) = (self.fields, self.cleaner)
        // The batch is ours alone, so changed values are written in place, through the buffer (events
        // are not retained); values are read first and written only when they change.
        batch.events.withUnsafeMutableBufferPointer { events in
            for index in events.indices {
                for path in fields { Self.clean(&events[index], at: path, with: cleaner) }
            }
        }
        output.emit(batch)
    }

    private static func clean(_ event: inout Event, at path: FieldPath, with cleaner: TextCleaner) {
        if path.tail.isEmpty {
            guard let position = event.fields.firstIndex(where: { $0.name == path.head }),
                case .string(let text) = event.fields[position].value,
                let cleaned = cleaner.cleanedIfChanged(text)
            else { return }
            event.fields[position].value = .string(cleaned)
        } else {
            guard case .string(let text)? = event.value(at: path), let cleaned = cleaner.cleanedIfChanged(text)
            else { return }
            event.setValue(.string(cleaned), at: path)
        }
    }
}

extension CleanTransformConfig: FieldPreserving {}
