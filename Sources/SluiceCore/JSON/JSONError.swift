/// Why a JSON text could not be read: a classification that doubles as a drop reason, and a message
/// that says what was wrong.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of problem a JSON text can have.
    public enum Kind: Sendable, Hashable {
        /// Nothing but whitespace.
        case empty
        /// Malformed JSON: a missing comma, an unclosed string, trailing content after the value, ...
        case syntax
        /// Bytes that are not UTF-8.
        case invalidUTF8
        /// A bad escape in a string, such as a lone surrogate `\ud800`.
        case invalidString
        /// A malformed number, or one out of a double's range (`1e400`).
        case invalidNumber
        /// Arrays and objects nested deeper than `JSONReader.maximumDepth`.
        case tooDeep
        /// A text larger than the parser can hold.
        case tooLarge
        /// Valid JSON whose top-level value is not an object, where an event was expected.
        case notAnObject
        /// The parser failed for a reason that is not the text's fault (out of memory).
        case internalFailure
    }

    /// What kind of problem it is.
    public let kind: Kind
    /// A one-line explanation, including the parser's own wording where it has one.
    public let message: String

    /// An error of `kind` explained by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The drop reason under which input rejected for this error is counted.
    public var reason: DropReason {
        switch kind {
        case .invalidUTF8: return .invalidUTF8
        case .tooDeep: return .jsonTooDeep
        case .notAnObject: return .notAnObject
        case .empty, .syntax, .invalidString, .invalidNumber, .tooLarge, .internalFailure: return .malformedJSON
        }
    }

    public var description: String { message }
}

extension DropReason {
    /// A JSON text nested deeper than `JSONReader.maximumDepth`.
    public static let jsonTooDeep: DropReason = "json_too_deep"
}
