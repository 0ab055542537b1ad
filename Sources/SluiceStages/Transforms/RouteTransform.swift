import SluiceCore

/// `type: route`: sends each event to every named route whose condition holds.
extension RouteTransform: TransformStage {
    typealias Config = RouteTransformConfig
    static let typeName = "route"
    static let summary =
        "Sends each event to every route whose condition holds (consume as 'id.route'); unmatched events go to 'id'."
    static let options = [
        OptionDoc(
            "routes", "mapping of name → expression (bool)",
            "One output per route, consumed as 'id.name'; an event goes to every route whose condition is true, "
                + "and to the main output 'id' when none is."
        )
    ]
    static let example = """
        sources:
          requests:
            type: generate
            count: 100
            fields:
              status: choice([200, 404, 500])
        transforms:
          by_status:
            type: route
            inputs: [requests]
            routes:
              errors: status >= 500
              missing: status == 404
        sinks:
          errors:
            type: file
            inputs: [by_status.errors]
            path: out/by_status_errors.ndjson
          rest:
            type: file
            inputs: [by_status]
            path: out/by_status.ndjson
        """
}

/// The options of a `route` transform.
public struct RouteTransformConfig: ProcessorConfig {
    /// One named output and its condition.
    public struct Route: Sendable, Equatable {
        public let name: String
        public let condition: Expression
    }

    public let routes: [Route]

    public init?(reading reader: inout OptionsReader) {
        guard reader.contains("routes") else {
            reader.missing("routes")
            return nil
        }
        guard let entries = reader.expressions("routes", expecting: .bool) else { return nil }
        for entry in entries where entry.name.isEmpty || entry.name.contains(".") {
            reader.error(
                .invalidValue, "route name '\(entry.name)' must be non-empty and contain no '.'",
                at: entry.nameLocation)
        }
        if entries.isEmpty, !reader.diagnostics.hasErrors {
            reader.error(
                .invalidValue, "option 'routes' needs at least one route", at: reader.location(of: "routes"))
        }
        guard !reader.diagnostics.hasErrors else { return nil }
        routes = entries.map { Route(name: $0.name, condition: $0.expression) }
    }

    /// The route names, in file order: port `i + 1` carries route `i`.
    public var namedOutputs: [String] { routes.map(\.name) }

    public var isStateless: Bool { true }

    public func makeProcessor(context: StageContext) throws -> any Processor {
        RouteTransform(routes: routes)
    }
}

/// The running route stage.
///
/// Each route is an output consumed as `inputs: [id.route]`; events matching no route leave on the
/// stage's main output, consumed as plain `inputs: [id]`.
final class RouteTransform: Processor {
    private let conditions: [Expression]
    private var context = EvaluationContext()

    init(routes: [RouteTransformConfig.Route]) {
        conditions = routes.map(\.condition)
    }

    func process(_ batch: consuming EventBatch, output: inout ProcessorOutput) throws {
        // Locals, not properties, inside the loop: reading a class's stored property per event retains it.
        let conditions = self.conditions
        var context = self.context
        defer { self.context = context }
        var ports = [EventBatch](repeating: EventBatch(), count: conditions.count + 1)
        for event in batch.events {
            var matched = false
            for (index, condition) in conditions.enumerated() where condition.isTrue(event, context: &context) {
                ports[index + 1].append(event)
                matched = true
            }
            if !matched { ports[0].append(event) }
        }
        for (port, routed) in ports.enumerated() {
            output.emit(routed, port: port)
        }
        output.countTypeMismatches(in: &context)
    }
}

extension RouteTransformConfig: FieldPreserving {}
