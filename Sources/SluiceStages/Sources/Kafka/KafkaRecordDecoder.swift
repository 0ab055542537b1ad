import SluiceCore

#if canImport(Glibc)
    import Glibc
#endif

/// Turns the value of one Kafka record into events, with the `file` source's decoders: `ndjson` and
/// `lines` read each line of the value (most records hold one), `json` the whole value as one document.
final class KafkaRecordDecoder {
    private let decoding: KafkaSourceConfig.Decoding
    private let decoder: LineDecoder
    /// A copy of the value being decoded, followed by the JSON parser's padding.
    private var buffer: [UInt8] = []
    // Only CSV keeps state between lines; records are never CSV, so this stays empty.
    private var noCSV = CSVState()

    init(decoding: KafkaSourceConfig.Decoding, maxRecordBytes: Int) {
        self.decoding = decoding
        decoder = LineDecoder(format: decoding.lineFormat ?? .ndjson, maxRecordBytes: maxRecordBytes)
    }

    /// Decodes `value`, passing what each line (or the document) became to `body`, with the line's number
    /// within the value.
    func decode(_ value: UnsafeRawBufferPointer, _ body: (LineDecoder.Outcome) -> Void) {
        guard decoding != .json else {
            decoder.decodeDocument(value, body)
            return
        }
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: value)
        buffer.append(contentsOf: repeatElement(0, count: JSONReader.padding))
        buffer.withUnsafeBytes { bytes in
            var start = 0
            var number = 1
            while start < value.count {
                let rest = value.count - start
                let newline = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), rest)
                let end = newline.map { bytes.baseAddress!.distance(to: UnsafeRawPointer($0)) } ?? value.count
                let lineEnd = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
                decoder.decode(line, number: number, csvState: &noCSV, body)
                start = end + 1
                number += 1
            }
        }
    }
}
