/// Turns valid inputs into hostile ones: small edits that break syntax, tokens from a dictionary that a
/// parser treats specially, and repetitions of a piece of the input (thousands of times) that make it very
/// long or very deep.
///
/// Inputs are edited as Unicode scalars, so every result is a valid `String`; what a decoder sees as bytes is
/// still arbitrary enough (control characters, non-ASCII, NUL) to exercise its error paths.
public struct FuzzMutator: Sendable {
    /// Tokens inserted as a whole: operators, keywords, numbers at the edges of their range, YAML indicators.
    public let dictionary: [String]
    /// The most Unicode scalars a mutated input keeps; longer results are cut.
    public let maximumLength: Int

    /// A mutator inserting tokens from `dictionary` and keeping inputs below `maximumLength` scalars.
    public init(dictionary: [String], maximumLength: Int = 200_000) {
        self.dictionary = dictionary
        self.maximumLength = maximumLength
    }

    /// `input` with one to four random edits; `corpus` provides material for splicing.
    public func mutate(_ input: String, corpus: [String], using random: inout SplitMix64) -> String {
        var scalars = Array(input.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            edit(&scalars, corpus: corpus, using: &random)
        }
        if scalars.count > maximumLength { scalars.removeLast(scalars.count - maximumLength) }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }

    private func edit(_ scalars: inout [Unicode.Scalar], corpus: [String], using random: inout SplitMix64) {
        let position = Int.random(in: 0...scalars.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            let token = dictionary.randomElement(using: &random) ?? ""
            scalars.insert(contentsOf: token.unicodeScalars, at: position)
        case 1:
            let range = randomRange(in: scalars.count, maximumLength: 16, using: &random)
            scalars.removeSubrange(range)
        case 2:
            let range = randomRange(in: scalars.count, maximumLength: 64, using: &random)
            scalars.insert(contentsOf: Array(scalars[range]), at: position)
        case 3:
            // Repeat a short piece many times: `((((`, `a + a + …`, a YAML list thousands of items long.
            let range = randomRange(in: scalars.count, maximumLength: 12, using: &random)
            let copies = [2, 10, 150, 3_000].randomElement(using: &random)!
            let piece = Array(scalars[range])
            scalars.insert(contentsOf: (0..<copies).flatMap { _ in piece }, at: range.lowerBound)
        case 4 where !scalars.isEmpty:
            scalars[min(position, scalars.count - 1)] = randomScalar(using: &random)
        case 5:
            let other = Array((corpus.randomElement(using: &random) ?? "").unicodeScalars)
            let cut = Int.random(in: 0...other.count, using: &random)
            scalars = Array(scalars[..<position]) + other[cut...]
        default:
            scalars.insert(randomScalar(using: &random), at: position)
        }
    }

    private func randomRange(in count: Int, maximumLength: Int, using random: inout SplitMix64) -> Range<Int> {
        let start = Int.random(in: 0...count, using: &random)
        let length = Int.random(in: 0...min(maximumLength, count - start), using: &random)
        return start..<start + length
    }

    private func randomScalar(using random: inout SplitMix64) -> Unicode.Scalar {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return Unicode.Scalar(UInt8.random(in: 0..<32, using: &random))
        case 1: return Unicode.Scalar(UInt32.random(in: 0x80...0x2FFF, using: &random)) ?? "é"
        case 2: return ["😀", "\u{FEFF}", "\u{200B}", "\u{10FFFF}", "\u{0}"].randomElement(using: &random)!
        default: return Unicode.Scalar(UInt8.random(in: 32..<127, using: &random))
        }
    }
}
