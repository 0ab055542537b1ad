/// A grok pattern (`%{IPORHOST:client} %{WORD:verb} %{NUMBER:bytes:int}`) translated to one RE2 regular
/// expression when the pipeline compiles, with the built-in patterns of `GrokLibrary`.
///
/// `%{NAME}` inserts the pattern `NAME`; `%{NAME:field}` also captures it as `field`; `%{NAME:field:int}`
/// or `:float` converts the capture. Everything else is RE2 syntax, named groups `(?P<name>…)` included.
/// The result holds every named capture of the match, those of nested patterns too (`%{SYSLOGBASE}` gives
/// `timestamp`, `logsource`, `program`, `pid`, ...).
struct GrokPattern: Sendable {
    /// How a capture becomes a value.
    enum Conversion: String, Sendable {
        case string
        case int
        case float
    }

    /// Why a grok pattern could not be translated or compiled.
    struct Problem: Error {
        var message: String
    }

    /// One captured field: its group, its name in the result and its conversion.
    private struct Capture: Sendable {
        var group: Int
        var field: FieldName
        var conversion: Conversion
    }

    /// How deep `%{…}` references may nest (the built-in patterns nest 5 levels at most).
    static let maximumNesting = 16

    private let regex: RegexPattern
    private let captures: [Capture]

    /// Translates and compiles `pattern`.
    static func compile(_ pattern: String) -> Result<GrokPattern, Problem> {
        var translator = GrokTranslator()
        let translated: String
        do {
            translated = try translator.expand(pattern, depth: 0)
        } catch {
            return .failure(error)
        }
        let regex: RegexPattern
        switch RegexPattern.compile(translated) {
        case .success(let compiled): regex = compiled
        case .failure(let problem):
            return .failure(Problem(message: "the pattern does not compile: \(problem.message)"))
        }
        let captures = regex.namedGroups.map { group in
            let generated = translator.fields[group.name]
            return Capture(
                group: group.index, field: FieldName(generated?.field ?? group.name),
                conversion: generated?.conversion ?? .string)
        }
        guard !captures.isEmpty else {
            return .failure(Problem(message: "the pattern captures nothing; name a field as in %{WORD:verb}"))
        }
        return .success(GrokPattern(regex: regex, captures: captures))
    }

    /// The captures of the leftmost match in `text`, as an object; `nil` when nothing matches. A field
    /// captured by several groups takes the first that took part in the match.
    func parse(_ text: String) -> Event? {
        regex.firstMatch(in: text) { bytes, range in
            var object = Event(capacity: captures.count)
            for capture in captures {
                guard let span = range(capture.group) else {
                    if object[capture.field] == nil { object[capture.field] = .null }
                    continue
                }
                if let existing = object[capture.field], !existing.isNull { continue }
                let captured = Value.string(String(decoding: bytes[span], as: UTF8.self))
                switch capture.conversion {
                case .string: object[capture.field] = captured
                case .int: object[capture.field] = ValueConversions.toInt(captured)
                case .float: object[capture.field] = ValueConversions.toFloat(captured)
                }
            }
            return object
        }
    }
}

/// Expands `%{…}` references into RE2 syntax, naming each captured reference's group `__grokN` and
/// remembering which field and conversion that group stands for.
private struct GrokTranslator {
    private(set) var fields: [String: (field: String, conversion: GrokPattern.Conversion)] = [:]

    mutating func expand(_ pattern: String, depth: Int) throws(GrokPattern.Problem) -> String {
        var result = ""
        var rest = pattern[...]
        while let open = rest.firstRange(of: "%{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw GrokPattern.Problem(message: "'%{' without its closing '}'")
            }
            let reference = rest[open.upperBound..<close]
            rest = rest[rest.index(after: close)...]
            result += try expand(reference: reference, depth: depth)
        }
        return result + rest
    }

    private mutating func expand(reference: Substring, depth: Int) throws(GrokPattern.Problem) -> String {
        let parts = reference.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        guard let definition = GrokLibrary.patterns[name] else {
            let suggestion = Suggestion.closest(to: name, among: GrokLibrary.patterns.keys.sorted())
            throw GrokPattern.Problem(
                message: "unknown grok pattern '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        }
        guard depth < GrokPattern.maximumNesting else {
            throw GrokPattern.Problem(message: "grok patterns nest more than \(GrokPattern.maximumNesting) levels")
        }
        let inner = try expand(definition, depth: depth + 1)
        guard parts.count > 1 else { return "(?:\(inner))" }
        guard !parts[1].isEmpty else { throw GrokPattern.Problem(message: "'%{\(reference)}' has an empty field name") }
        var conversion = GrokPattern.Conversion.string
        if parts.count > 2 {
            guard let given = GrokPattern.Conversion(rawValue: parts[2]) else {
                throw GrokPattern.Problem(
                    message: "unknown conversion '\(parts[2])' in '%{\(reference)}'; use int, float or string")
            }
            conversion = given
        }
        let group = "__grok\(fields.count)"
        fields[group] = (parts[1], conversion)
        return "(?P<\(group)>\(inner))"
    }
}
