import Foundation

/// `{"n":i}` lines for `range`, each ending in a newline: input whose every event can be told apart.
func numberedLines(_ range: ClosedRange<Int>) -> String {
    range.map { "{\"n\":\($0)}\n" }.joined()
}

/// The `n` of every line of the NDJSON file at `url`, in file order (none when it does not exist yet).
func numbers(in url: URL) -> [Int] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["n"] as? Int
    }
}

/// Appends `text` to the file at `url`, as a program writing a log does.
func append(_ text: String, to url: URL) throws {
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
}
