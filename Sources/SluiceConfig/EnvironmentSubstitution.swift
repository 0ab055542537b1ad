import SluiceCore

/// Replaces `${NAME}` and `${NAME:-default}` in scalar values from the environment; `$${` stays a literal
/// `${`. Each replaced part is recorded as a `Substitution`, so that expressions read it as one literal value
/// and file paths can refuse control characters it brings in.
struct EnvironmentSubstitution {
    let environment: [String: String]

    /// The text with every variable replaced, and where the replacements sit. `start` is where `text`
    /// begins in the file; an unset variable without a default is an error pointing at its `$`.
    func apply(
        to text: String, at start: SourceLocation, diagnostics: inout Diagnostics
    ) -> (text: String, substitutions: [Substitution]) {
        guard text.contains("${") else { return (text, []) }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var resultCount = 0
        var substitutions: [Substitution] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$" else {
                result.append(scalar)
                resultCount += 1
                index += 1
                continue
            }
            if Self.matches(scalars, at: index + 1, "${") {
                result.append(contentsOf: "${".unicodeScalars)
                resultCount += 2
                index += 3
                continue
            }
            guard Self.matches(scalars, at: index + 1, "{"),
                let close = scalars[(index + 2)...].firstIndex(of: "}")
            else {
                result.append(scalar)
                resultCount += 1
                index += 1
                continue
            }
            let (name, fallback) = Self.split(String(String.UnicodeScalarView(scalars[(index + 2)..<close])))
            let location = start.advanced(byColumns: index)
            if let value = environment[name] ?? fallback {
                let count = value.unicodeScalars.count
                result.append(contentsOf: value.unicodeScalars)
                substitutions.append(
                    Substitution(variable: name, range: resultCount..<(resultCount + count), location: location))
                resultCount += count
            } else {
                diagnostics.error(
                    .environment, "environment variable '\(name)' is not set and has no default", at: location)
            }
            index = close + 1
        }
        return (String(result), substitutions)
    }

    private static func matches(_ scalars: [Unicode.Scalar], at index: Int, _ prefix: String) -> Bool {
        let wanted = Array(prefix.unicodeScalars)
        return index + wanted.count <= scalars.count && scalars[index..<(index + wanted.count)].elementsEqual(wanted)
    }

    private static func split(_ body: String) -> (String, String?) {
        guard let range = body.firstRange(of: ":-") else { return (body, nil) }
        return (String(body[..<range.lowerBound]), String(body[range.upperBound...]))
    }
}
