import SluiceCore

/// The `units` Swift plugin: compiled into `runner` (Package.swift's `swiftPlugins` list), depending on
/// `SluiceCore` alone, it registers its stage the way built-in stages are registered.
public enum Plugin: SwiftPlugin {
    public static let name = "units"

    public static func register(into registry: inout StageRegistry) throws(StageRegistryError) {
        try registry.register(ConvertUnitsTransform.self)
    }
}

/// `type: convert_units` — converts a numeric field from one unit to another.
extension ConvertUnitsTransform: TransformStage {
    public typealias Config = ConvertUnitsConfig
    public static let typeName = "convert_units"
    public static let summary =
        "Converts a numeric field between units of temperature, length or mass (plugin 'units')."
    public static let options = [
        OptionDoc("field", "field", "The numeric field to convert; events without a number there pass unchanged."),
        OptionDoc("from", Unit.names, "The field's unit."),
        OptionDoc("to", Unit.names, "The unit to convert into; of the same quantity as 'from'."),
        OptionDoc("into", "field", default: "the field itself", "Where the converted value goes."),
    ]
    public static let example = """
        sources:
          readings:
            type: generate
            count: 10
            fields:
              celsius: uniform(-5, 30)
        transforms:
          fahrenheit:
            type: convert_units
            inputs: [readings]
            field: celsius
            from: celsius
            to: fahrenheit
            into: fahrenheit
        sinks:
          out:
            type: stdout
            inputs: [fahrenheit]
        """
}

/// A unit `convert_units` knows: its quantity, and how to turn a value into the quantity's base unit.
public enum Unit: String, CaseIterable, Sendable {
    case celsius, fahrenheit, kelvin
    case meters, kilometers, miles, feet
    case grams, kilograms, pounds

    static var names: String { allCases.map(\.rawValue).joined(separator: " | ") }

    var quantity: String {
        switch self {
        case .celsius, .fahrenheit, .kelvin: return "temperature"
        case .meters, .kilometers, .miles, .feet: return "length"
        case .grams, .kilograms, .pounds: return "mass"
        }
    }

    /// The value in the quantity's base unit (celsius, meters, grams).
    func toBase(_ value: Double) -> Double {
        switch self {
        case .celsius, .meters, .grams: return value
        case .fahrenheit: return (value - 32) * 5 / 9
        case .kelvin: return value - 273.15
        case .kilometers, .kilograms: return value * 1_000
        case .miles: return value * 1_609.344
        case .feet: return value * 0.3048
        case .pounds: return value * 453.59237
        }
    }

    /// A value in the quantity's base unit, in this unit.
    func fromBase(_ value: Double) -> Double {
        switch self {
        case .celsius, .meters, .grams: return value
        case .fahrenheit: return value * 9 / 5 + 32
        case .kelvin: return value + 273.15
        case .kilometers, .kilograms: return value / 1_000
        case .miles: return value / 1_609.344
        case .feet: return value / 0.3048
        case .pounds: return value / 453.59237
        }
    }
}

/// The options of a `convert_units` transform.
public struct ConvertUnitsConfig: ProcessorConfig {
    public let field: FieldPath
    public let from: Unit
    public let to: Unit
    public let into: FieldPath

    public init?(reading reader: inout OptionsReader) {
        let field = reader.requiredFieldList("field")
        let from = reader.choice("from", as: Unit.self)
        let to = reader.choice("to", as: Unit.self)
        let into = reader.fieldList("into")
        for key in ["from", "to"] where !reader.contains(key) { reader.missing(key) }
        guard let field, field.count == 1, let from, let to else { return nil }
        guard from.quantity == to.quantity else {
            reader.error(
                .invalidValue,
                "cannot convert \(from.quantity) (\(from.rawValue)) into \(to.quantity) (\(to.rawValue))",
                at: reader.location(of: "to"))
            return nil
        }
        self.field = field[0]
        self.from = from
        self.to = to
        self.into = into?.first ?? field[0]
    }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        ConvertUnitsTransform(config: self)
    }
}

/// The running `convert_units` transform.
public final class ConvertUnitsTransform: Processor {
    private let config: ConvertUnitsConfig

    init(config: ConvertUnitsConfig) {
        self.config = config
    }

    public func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        var batch = batch
        for index in batch.events.indices {
            guard let value = batch.events[index].value(at: config.field)?.number else { continue }
            batch.events[index].setValue(.double(config.to.fromBase(config.from.toBase(value))), at: config.into)
        }
        output.emit(batch)
    }
}
