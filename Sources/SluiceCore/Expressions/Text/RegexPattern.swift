import CRE2

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A regular expression compiled by RE2 (RE2 syntax: named groups are `(?P<name>…)`), searched in time
/// linear in the text: RE2 never backtracks, so no input line can stall a stage whatever the pattern.
///
/// Compiled once, when the pipeline compiles; RE2 allows searching one compiled pattern from many threads.
final class RegexPattern: @unchecked Sendable {
    // Immutable after init, and RE2's search methods are thread-safe: hence @unchecked Sendable.
    private let regex: OpaquePointer
    /// The number of capturing groups (not counting the whole match).
    let groupCount: Int
    /// The named groups: their names (also interned, for results) and group numbers, in group order.
    let namedGroups: [(name: String, field: FieldName, index: Int)]

    /// Why a pattern did not compile.
    struct Problem: Error {
        var message: String
    }

    private init(regex: OpaquePointer) {
        self.regex = regex
        groupCount = Int(sluice_regex_group_count(regex))
        namedGroups = (0...groupCount).compactMap { index in
            sluice_regex_group_name(regex, Int32(index)).map { name in
                let text = String(cString: name)
                return (text, FieldName(text), index)
            }
        }
    }

    deinit {
        sluice_regex_free(regex)
    }

    /// Compiles `pattern`; the problem carries RE2's reason.
    static func compile(_ pattern: String) -> Result<RegexPattern, Problem> {
        var error = [CChar](repeating: 0, count: 256)
        var pattern = pattern
        let compiled = pattern.withUTF8 { bytes in
            error.withUnsafeMutableBufferPointer { buffer in
                sluice_regex_compile(Self.base(bytes), bytes.count, buffer.baseAddress, buffer.count)
            }
        }
        guard let compiled else {
            return .failure(Problem(message: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)))
        }
        return .success(RegexPattern(regex: compiled))
    }

    /// True when the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in sluice_regex_search(regex, Self.base(bytes), bytes.count, nil, 0) == 1 }
    }

    /// The leftmost match in `text`: calls `body` with the text's bytes and the byte range of the whole
    /// match (index 0) and of each group (`nil` for a group that took no part); `nil` when nothing matches.
    func firstMatch<R>(
        in text: String, _ body: (UnsafeBufferPointer<UInt8>, (Int) -> Range<Int>?) -> R
    ) -> R? {
        var text = text
        let groups = groupCount + 1
        return text.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * groups) { spans in
                guard
                    sluice_regex_search(regex, Self.base(bytes), bytes.count, spans.baseAddress, Int32(groups)) == 1
                else { return nil }
                return body(bytes) { index in
                    let start = spans[2 * index]
                    return start < 0 ? nil : Int(start)..<Int(spans[2 * index + 1])
                }
            }
        }
    }

    /// The named groups of the leftmost match as an object of strings (a group that took no part is
    /// null); `nil` when nothing matches.
    func namedCaptures(in text: String) -> Event? {
        firstMatch(in: text) { bytes, range in
            var object = Event(capacity: namedGroups.count)
            for group in namedGroups {
                let value = range(group.index).map { Value.string(String(decoding: bytes[$0], as: UTF8.self)) }
                object.fields.append(Event.Field(name: group.field, value: value ?? .null))
            }
            return object
        }
    }

    /// Checks `rewrite` (RE2's form: `\0` to `\9`, `\\`) for `replacingAll`.
    func check(rewrite: String) -> Problem? {
        var error = [CChar](repeating: 0, count: 256)
        var rewrite = rewrite
        let valid = rewrite.withUTF8 { bytes in
            error.withUnsafeMutableBufferPointer { buffer in
                sluice_regex_check_rewrite(regex, Self.base(bytes), bytes.count, buffer.baseAddress, buffer.count)
            }
        }
        guard valid == 0 else { return nil }
        return Problem(message: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
    }

    /// `text` with every match replaced by `rewrite` (checked by `check(rewrite:)`); `nil` when memory runs out.
    func replacingAll(in text: String, with rewrite: String) -> String? {
        var text = text
        var rewrite = rewrite
        var length = 0
        let result = text.withUTF8 { bytes in
            rewrite.withUTF8 { rewriteBytes in
                sluice_regex_replace_all(
                    regex, Self.base(bytes), bytes.count, Self.base(rewriteBytes), rewriteBytes.count, &length)
            }
        }
        guard let result else { return nil }
        defer { free(result) }
        return String(decoding: UnsafeRawBufferPointer(start: result, count: length), as: UTF8.self)
    }

    /// A pointer to `bytes`, never null (RE2 tells an unset group by a null pointer, so even an empty
    /// text must have an address).
    private static func base(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar> {
        guard let address = bytes.baseAddress else { return emptyText }
        return UnsafeRawPointer(address).assumingMemoryBound(to: CChar.self)
    }

    nonisolated(unsafe) private static let emptyText: UnsafePointer<CChar> = {
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        storage.initialize(to: 0)
        return UnsafePointer(storage)
    }()
}
