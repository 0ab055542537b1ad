import SluiceCore
import Yams

/// Parses YAML text into a `ConfigNode` tree with positions, substituting `${VAR}` and
/// `${VAR:-default}` in scalar values from the environment.
public enum YAMLDocument {
    /// Parses `text`, which came from `file` (used only for positions). Returns `nil` with diagnostics
    /// when the text is not YAML, has duplicate keys, or names an unset variable.
    public static func parse(
        _ text: String, file: String, environment: [String: String], diagnostics: inout Diagnostics
    ) -> ConfigNode? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            diagnostics.append(syntaxDiagnostic(error, file: file))
            return nil
        } catch {
            diagnostics.error(.yamlSyntax, "\(error)", at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
        guard let node else {
            return ConfigNode(.map([]), at: SourceLocation(file: file, line: 1, column: 1))
        }
        var converter = Converter(file: file, environment: environment)
        let result = converter.convert(node)
        diagnostics.append(contentsOf: converter.diagnostics)
        return result
    }

    private static func syntaxDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        let problem: String
        let mark: Mark?
        switch error {
        case .scanner(_, let text, let at, _), .parser(_, let text, let at, _), .composer(_, let text, let at, _):
            problem = text
            mark = at
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(
                code: .invalidValue, message: "duplicate key \(keys) in the mapping that starts here",
                location: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
        case .reader(let text, _, _, _):
            problem = text
            mark = nil
        default:
            problem = "\(error)"
            mark = nil
        }
        let location = SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        return Diagnostic(code: .yamlSyntax, message: "invalid YAML: \(problem)", location: location)
    }
}

/// Walks a Yams node tree into `ConfigNode`s.
private struct Converter {
    let file: String
    let environment: [String: String]
    var diagnostics = Diagnostics()

    func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func convert(_ node: Node) -> ConfigNode {
        switch node {
        case .scalar(let scalar):
            let at = location(scalar.mark)
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            let text = substitute(scalar.string, at: quoted ? at.advanced(byColumns: 1) : at)
            return ConfigNode(.scalar(text, quoted: quoted), at: at)
        case .sequence(let sequence):
            return ConfigNode(.list(sequence.map { convert($0) }), at: location(sequence.mark))
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            for (key, value) in mapping {
                let keyLocation = location(key.mark)
                guard let name = key.scalar?.string else {
                    diagnostics.error(.wrongType, "mapping keys must be scalars", at: keyLocation)
                    continue
                }
                entries.append(ConfigNode.Entry(key: name, keyLocation: keyLocation, value: convert(value)))
            }
            return ConfigNode(.map(entries), at: location(mapping.mark))
        case .alias(let alias):
            diagnostics.error(.yamlSyntax, "YAML aliases are not supported", at: location(alias.mark))
            return ConfigNode(.scalar("", quoted: false), at: location(alias.mark))
        }
    }

    /// Replaces `${NAME}` and `${NAME:-default}`; `$${` stays a literal `${`.
    mutating func substitute(_ text: String, at start: SourceLocation) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest[rest.index(after: dollar)...]
            if afterDollar.hasPrefix("${") {
                result += "${"
                rest = afterDollar.dropFirst(2)
                continue
            }
            guard afterDollar.hasPrefix("{"), let close = afterDollar.firstIndex(of: "}") else {
                result += "$"
                rest = afterDollar
                continue
            }
            let body = afterDollar[afterDollar.index(after: afterDollar.startIndex)..<close]
            let column = text.distance(from: text.startIndex, to: dollar)
            let (name, fallback) = Self.split(body)
            if let value = environment[name] ?? fallback {
                result += value
            } else {
                diagnostics.error(
                    .environment, "environment variable '\(name)' is not set and has no default",
                    at: start.advanced(byColumns: column))
            }
            rest = afterDollar[afterDollar.index(after: close)...]
        }
        return result + rest
    }

    private static func split(_ body: Substring) -> (String, String?) {
        guard let range = body.range(of: ":-") else { return (String(body), nil) }
        return (String(body[..<range.lowerBound]), String(body[range.upperBound...]))
    }
}
