import CYAML
import SluiceCore

/// A pipeline file's text as libyaml counts it — lines of Unicode scalars, columns counted in scalars — so
/// that the position of every scalar of a value can be found, also for values that do not run along one
/// line as written: over several lines, with escapes (`\"`, `\u00e9`) or with quotes written twice (`''`).
struct SourceText {
    /// The lines, split where libyaml starts a new line, without their line breaks.
    let lines: [[Unicode.Scalar]]

    /// Decodes `bytes` as libyaml reads them: UTF-16 after its byte order mark, UTF-8 otherwise.
    init(bytes: [UInt8]) {
        let scalars: [Unicode.Scalar]
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let bigEndian = bytes[0] == 0xFE
            let units = stride(from: 2, to: bytes.count - 1, by: 2).map { index -> UInt16 in
                let (high, low) = bigEndian ? (bytes[index], bytes[index + 1]) : (bytes[index + 1], bytes[index])
                return UInt16(high) << 8 | UInt16(low)
            }
            scalars = Array(String(decoding: units, as: UTF16.self).unicodeScalars)
        } else {
            scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        }
        var lines: [[Unicode.Scalar]] = [[]]
        var index = scalars.first == "\u{FEFF}" ? 1 : 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard Self.isBreak(scalar) else {
                lines[lines.count - 1].append(scalar)
                continue
            }
            if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
            lines.append([])
        }
        self.lines = lines
    }

    /// Where each scalar of `text` was written, 1-based, and one more entry for where the text ends:
    /// `text` is the value libyaml decoded from the scalar of `style` written from `start` to `end`.
    ///
    /// Walks the written scalar and the decoded text side by side: a scalar written as itself is found
    /// where it is; an escape or a doubled quote gives one decoded scalar; a line break folded into a
    /// space, indentation and a block scalar's header give none.
    func positions(
        of text: String, style: yaml_scalar_style_t, start: yaml_mark_t, end: yaml_mark_t
    ) -> [(line: Int, column: Int)] {
        var cursor = Cursor(
            source: self, line: Int(start.line), column: Int(start.column), endLine: Int(end.line),
            endColumn: Int(end.column))
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE:
            cursor.advance()
        case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE:
            // The header (`|`, `>-`, a comment) fills the rest of the first line.
            cursor.nextLine()
        default:
            break
        }
        var positions: [(line: Int, column: Int)] = []
        for scalar in text.unicodeScalars {
            positions.append(cursor.find(scalar, style: style))
        }
        let last = positions.last.map { ($0.line, $0.column + 1) }
        positions.append(last ?? (cursor.line + 1, cursor.column + 1))
        return positions
    }

    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// A place in the written scalar; the end of a line reads as `\n`.
    private struct Cursor {
        let source: SourceText
        var line: Int
        var column: Int
        let endLine: Int
        let endColumn: Int

        var isAtEnd: Bool {
            line > endLine || (line == endLine && column >= endColumn) || line >= source.lines.count
        }

        func scalar(ahead offset: Int = 0) -> Unicode.Scalar? {
            guard line < source.lines.count else { return nil }
            let text = source.lines[line]
            let index = column + offset
            return index < text.count ? text[index] : (index == text.count ? "\n" : nil)
        }

        mutating func advance(by count: Int = 1) {
            for _ in 0..<count {
                if line < source.lines.count, column >= source.lines[line].count { nextLine() } else { column += 1 }
            }
        }

        mutating func nextLine() {
            line += 1
            column = 0
        }

        /// The 1-based position of the written form of the decoded `wanted`, moving past it; the current
        /// position, unmoved, when it cannot be found before the scalar's end.
        mutating func find(_ wanted: Unicode.Scalar, style: yaml_scalar_style_t) -> (line: Int, column: Int) {
            while !isAtEnd, let written = scalar() {
                let here = (line: line + 1, column: column + 1)
                if style == YAML_DOUBLE_QUOTED_SCALAR_STYLE, written == "\\" {
                    let next = scalar(ahead: 1)
                    if next == "\n" {
                        // An escaped line break continues the text on the next line.
                        nextLine()
                        continue
                    }
                    advance(by: next == "x" ? 4 : next == "u" ? 6 : next == "U" ? 10 : 2)
                    return here
                }
                if style == YAML_SINGLE_QUOTED_SCALAR_STYLE, written == "'", scalar(ahead: 1) == "'" {
                    advance(by: 2)
                    return here
                }
                if written == wanted || (written == "\n" && (wanted == " " || wanted == "\n")) {
                    advance()
                    return here
                }
                // Indentation, spaces before a folded line break, or a line break folded away.
                advance()
            }
            return (line + 1, column + 1)
        }
    }
}
