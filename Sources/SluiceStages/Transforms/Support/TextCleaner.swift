/// Normalizes text: trims and collapses Unicode whitespace, and maps case with full Unicode rules.
///
/// Whitespace is what Unicode calls White_Space (ASCII tab to carriage return and space, U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), compared per `Character`. Case mapping
/// is Swift's `lowercased()`/`uppercased()` (so "İ" lowers to "i̇" and "ß" uppers to "SS").
///
/// ASCII text, the common case, takes a fast path over its UTF-8 bytes: text that needs no change is
/// returned as the very same `String`, and a changed one is built in one pass (without allocating when it
/// fits Swift's 15-byte small-string form). Anything else takes the Unicode path.
public struct TextCleaner: Sendable, Hashable {
    /// A case to map text to.
    public enum CaseMapping: Sendable, Hashable {
        case lower
        case upper
    }

    public var trim: Bool
    public var collapseWhitespace: Bool
    public var caseMapping: CaseMapping?

    public init(trim: Bool = false, collapseWhitespace: Bool = false, caseMapping: CaseMapping? = nil) {
        self.trim = trim
        self.collapseWhitespace = collapseWhitespace
        self.caseMapping = caseMapping
    }

    /// The cleaned text; `text` itself when nothing changes.
    public func clean(_ text: String) -> String {
        cleanedIfChanged(text) ?? text
    }

    /// The cleaned text, or `nil` when cleaning leaves `text` as it is.
    public func cleanedIfChanged(_ text: String) -> String? {
        var text = text
        switch text.withUTF8({ cleanASCII($0) }) {
        case .unchanged: return nil
        case .changed(let cleaned): return cleaned
        case .notASCII:
            let cleaned = cleanUnicode(text)
            return cleaned == text ? nil : cleaned
        }
    }

    private enum FastResult {
        case unchanged
        case changed(String)
        case notASCII
    }

    private func cleanASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> FastResult {
        var start = 0
        var end = bytes.count
        if trim {
            while start < end, Self.isASCIIWhitespace(bytes[start]) { start += 1 }
            while end > start, Self.isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
        }
        // One scan both proves the text is ASCII and finds whether anything changes.
        var changes = start > 0 || end < bytes.count
        var previousWasSpace = false
        let (caseFirst, caseCount) = caseRange
        for index in start..<end {
            let byte = bytes[index]
            if byte >= 0x80 { return .notASCII }
            if byte &- caseFirst < caseCount {
                changes = true
            } else if collapseWhitespace, Self.isASCIIWhitespace(byte) {
                if previousWasSpace || byte != UInt8(ascii: " ") { changes = true }
                previousWasSpace = true
                continue
            }
            previousWasSpace = false
        }
        guard changes else { return .unchanged }
        let cleaned = String(unsafeUninitializedCapacity: end - start) { out in
            var count = 0
            var previousWasSpace = false
            for index in start..<end {
                var byte = bytes[index]
                if collapseWhitespace, Self.isASCIIWhitespace(byte) {
                    if previousWasSpace { continue }
                    previousWasSpace = true
                    byte = UInt8(ascii: " ")
                } else {
                    previousWasSpace = false
                    // Flipping bit 5 switches an ASCII letter's case.
                    if byte &- caseFirst < caseCount { byte ^= 0x20 }
                }
                out[count] = byte
                count += 1
            }
            return count
        }
        return .changed(cleaned)
    }

    /// The bytes the case mapping changes, as a first byte and a count (none without a mapping), so one
    /// unsigned comparison tests membership.
    private var caseRange: (first: UInt8, count: UInt8) {
        switch caseMapping {
        case .lower?: return (UInt8(ascii: "A"), 26)
        case .upper?: return (UInt8(ascii: "a"), 26)
        case nil: return (0, 0)
        }
    }

    private func cleanUnicode(_ text: String) -> String {
        var result = Substring(text)
        if trim {
            let first = result.firstIndex { !$0.isWhitespace } ?? result.endIndex
            let last = result.lastIndex { !$0.isWhitespace }
            result = last.map { result[first...$0] } ?? result[first..<first]
        }
        if collapseWhitespace {
            var collapsed = ""
            collapsed.reserveCapacity(result.utf8.count)
            var previousWasSpace = false
            for character in result {
                if character.isWhitespace {
                    if !previousWasSpace { collapsed.append(" ") }
                    previousWasSpace = true
                } else {
                    collapsed.append(character)
                    previousWasSpace = false
                }
            }
            result = Substring(collapsed)
        }
        switch caseMapping {
        case .lower?: return result.lowercased()
        case .upper?: return result.uppercased()
        case nil: return String(result)
        }
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || (byte >= 0x09 && byte <= 0x0D)
    }
}
