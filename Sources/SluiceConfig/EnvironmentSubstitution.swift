import SluiceCore

/// Replaces `${NAME}` and `${NAME:-default}` in scalar values from the environment; `$${` stays a literal
/// `${`. Each replaced part is recorded as a `Substitution`, so that expressions read it as one literal value
/// and file paths can refuse control characters it brings in.
struct EnvironmentSubstitution {
    let environment: [String: String]

    /// The text with every variable replaced, where the replacements sit, and for each scalar of the new
    /// text (and its end) the offset in `text` it came from (a value's scalars: its `$`); `nil` offsets
    /// when nothing was replaced. `positions` tell where `text` was written; an unset variable without a
    /// default is an error pointing at its `$`.
    func apply(
        to text: String, at positions: TextPositions, diagnostics: inout Diagnostics
    ) -> (text: String, substitutions: [Substitution], sourceOffsets: [Int]?) {
        guard text.contains("${") else { return (text, [], nil) }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var offsets: [Int] = []
        var substitutions: [Substitution] = []
        var index = 0
        func keep(_ scalar: Unicode.Scalar, from offset: Int) {
            result.append(scalar)
            offsets.append(offset)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$" else {
                keep(scalar, from: index)
                index += 1
                continue
            }
            if Self.matches(scalars, at: index + 1, "${") {
                keep("$", from: index + 1)
                keep("{", from: index + 2)
                index += 3
                continue
            }
            guard Self.matches(scalars, at: index + 1, "{"),
                let close = scalars[(index + 2)...].firstIndex(of: "}")
            else {
                keep(scalar, from: index)
                index += 1
                continue
            }
            let (name, fallback) = Self.split(String(String.UnicodeScalarView(scalars[(index + 2)..<close])))
            let location = positions.location(at: index)
            if let value = environment[name] ?? fallback {
                let start = offsets.count
                for valueScalar in value.unicodeScalars { keep(valueScalar, from: index) }
                substitutions.append(
                    Substitution(variable: name, range: start..<offsets.count, location: location))
            } else {
                diagnostics.error(
                    .environment, "environment variable '\(name)' is not set and has no default", at: location)
            }
            index = close + 1
        }
        offsets.append(scalars.count)
        return (String(result), substitutions, offsets)
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
