extension OptionsReader {
    /// A file path option: a string without control characters. A newline or other control character,
    /// typically from an environment value, would make the stage open a file other than the one the user
    /// reads in the configuration, so it is an error pointing at the `${` that brought it in.
    public mutating func filePath(_ key: String) -> String? {
        guard let (text, value) = scalar(key) else { return nil }
        let scalars = Array(text.unicodeScalars)
        guard let offset = scalars.firstIndex(where: { $0.properties.generalCategory == .control }) else {
            return text
        }
        let character = Self.describeControl(scalars[offset])
        if let substitution = value.substitutions.first(where: { $0.range.contains(offset) }) {
            error(
                .invalidValue,
                "option '\(key)': environment variable '\(substitution.variable)' puts \(character) into the file path",
                at: substitution.location)
        } else {
            error(
                .invalidValue, "option '\(key)': a file path cannot contain \(character)",
                at: value.textPositions.location(at: offset))
        }
        return nil
    }

    /// Like `filePath(_:)`, and records a missing-option error when `key` is absent.
    public mutating func requiredFilePath(_ key: String) -> String? {
        let value = filePath(key)
        if !contains(key) { missing(key) }
        return value
    }

    private static func describeControl(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch scalar {
        case "\n": return "a newline (\(code))"
        case "\r": return "a carriage return (\(code))"
        case "\t": return "a tab (\(code))"
        default: return "a control character (\(code))"
        }
    }
}
