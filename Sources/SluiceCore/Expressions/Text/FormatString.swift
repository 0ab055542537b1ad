#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The format of `format()`: text with printf-style directives, parsed once when the pipeline compiles.
///
/// A directive is `%[flags][width][.precision]conversion`: flags `-` (left-justify), `0` (pad numbers
/// with zeros) and `+` (always a sign); conversions `s` (any value as `to_string` writes it, null as
/// `null`; the precision cuts it to that many characters), `d` (an integer; floats are truncated), `f`
/// and `e` (a float, 6 decimals unless a precision is given), `x` and `X` (an integer in hexadecimal), and
/// `%%` for a percent sign.
struct FormatString: Sendable {
    /// One piece of the format: literal text, or a directive that consumes one value.
    enum Piece: Sendable {
        case text(String)
        case directive(Directive)
    }

    /// One `%` directive.
    struct Directive: Sendable {
        var leftJustify = false
        var zeroPad = false
        var plusSign = false
        var width = 0
        var precision: Int?
        var conversion: Unicode.Scalar
        /// The directive as written, for messages.
        var spelling: String

        /// The static types a value for this directive may have.
        var accepts: [ValueType] { conversion == "s" ? [.any] : [.number] }
    }

    /// Why a format did not parse.
    struct Problem: Error {
        var message: String
    }

    /// The widest field and the largest precision accepted: a format is written by the pipeline's author,
    /// but a width of millions would make every event huge.
    static let maximumWidth = 1_000

    let pieces: [Piece]

    var directives: [Directive] {
        pieces.compactMap { if case .directive(let directive) = $0 { return directive } else { return nil } }
    }

    static func parse(_ format: String) -> Result<FormatString, Problem> {
        var pieces: [Piece] = []
        var literal = ""
        var scalars = format.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "%" else {
                literal.unicodeScalars.append(scalar)
                continue
            }
            if scalars.first == "%" {
                scalars.removeFirst()
                literal.append("%")
                continue
            }
            switch directive(from: &scalars) {
            case .success(let directive):
                if !literal.isEmpty { pieces.append(.text(literal)) }
                literal = ""
                pieces.append(.directive(directive))
            case .failure(let problem): return .failure(problem)
            }
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return .success(FormatString(pieces: pieces))
    }

    /// Reads one directive after its `%`.
    private static func directive(from scalars: inout Substring.UnicodeScalarView) -> Result<Directive, Problem> {
        var directive = Directive(conversion: "s", spelling: "%")
        func take() -> Unicode.Scalar? {
            guard let scalar = scalars.popFirst() else { return nil }
            directive.spelling.unicodeScalars.append(scalar)
            return scalar
        }
        var next = take()
        while let flag = next, "-0+".unicodeScalars.contains(flag) {
            if flag == "-" { directive.leftJustify = true }
            if flag == "0" { directive.zeroPad = true }
            if flag == "+" { directive.plusSign = true }
            next = take()
        }
        func number() -> Int? {
            var value = 0
            var digits = 0
            while let digit = next, digit >= "0" && digit <= "9" {
                value = min(value * 10 + Int(digit.value - 48), maximumWidth + 1)
                digits += 1
                next = take()
            }
            return digits > 0 ? value : nil
        }
        directive.width = number() ?? 0
        if next == "." {
            next = take()
            directive.precision = number() ?? 0
        }
        guard let conversion = next else {
            return .failure(Problem(message: "the format ends inside the directive '\(directive.spelling)'"))
        }
        guard "sdfexX".unicodeScalars.contains(conversion) else {
            return .failure(
                Problem(
                    message: "unknown directive '\(directive.spelling)' in the format; use %s, %d, %f, %e, %x, %X "
                        + "or %% for a percent sign"))
        }
        if directive.width > maximumWidth || (directive.precision ?? 0) > maximumWidth {
            return .failure(
                Problem(message: "'\(directive.spelling)': widths and precisions go up to \(maximumWidth)"))
        }
        directive.conversion = conversion
        return .success(directive)
    }

    /// The format filled with `values`, one per directive; `nil` when a value cannot be written by its
    /// directive (a string for `%d`, say).
    func render(_ values: [Value]) -> String? {
        var result = ""
        var index = 0
        for piece in pieces {
            switch piece {
            case .text(let text):
                result += text
            case .directive(let directive):
                guard index < values.count, let text = directive.render(values[index]) else { return nil }
                result += text
                index += 1
            }
        }
        return result
    }
}

extension FormatString.Directive {
    /// `value` written by this directive, padded to its width; `nil` when it cannot be.
    func render(_ value: Value) -> String? {
        switch conversion {
        case "s":
            var text = ValueSemantics.text(of: value) ?? "null"
            if let precision, text.count > precision { text = String(text.prefix(precision)) }
            return pad(text, zeros: false)
        case "d":
            guard case .int(let number) = ValueConversions.toInt(value) else { return nil }
            let digits = String(number.magnitude)
            return pad(sign(negative: number < 0) + digits, zeros: zeroPad)
        case "x", "X":
            guard case .int(let number) = ValueConversions.toInt(value) else { return nil }
            let digits = String(number.magnitude, radix: 16, uppercase: conversion == "X")
            return pad(sign(negative: number < 0) + digits, zeros: zeroPad)
        default:
            guard case .double(let number) = ValueConversions.toFloat(value), number.isFinite else { return nil }
            return pad(sign(negative: number.sign == .minus) + Self.decimal(number.magnitude, self), zeros: zeroPad)
        }
    }

    private func sign(negative: Bool) -> String {
        negative ? "-" : (plusSign ? "+" : "")
    }

    /// `text` padded to the width: spaces on the left (right when left-justified), or zeros after the
    /// sign for numbers with the `0` flag.
    private func pad(_ text: String, zeros: Bool) -> String {
        let missing = width - text.count
        guard missing > 0 else { return text }
        if leftJustify { return text + String(repeating: " ", count: missing) }
        guard zeros else { return String(repeating: " ", count: missing) + text }
        let signLength = text.first == "-" || text.first == "+" ? 1 : 0
        return String(text.prefix(signLength)) + String(repeating: "0", count: missing) + text.dropFirst(signLength)
    }

    /// A non-negative float in fixed (`f`) or exponent (`e`) notation at the precision, through the C
    /// library's correctly rounded conversion.
    private static func decimal(_ number: Double, _ directive: Self) -> String {
        let precision = Int32(directive.precision ?? 6)
        let format = directive.conversion == "e" ? "%.*e" : "%.*f"
        // Fixed notation of the largest double has 309 digits before the point.
        var buffer = [CChar](repeating: 0, count: 320 + Int(precision))
        let written = withVaList([precision, number]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
        }
        guard written > 0 else { return "" }
        return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
