/// CSV cells quoted per RFC 4180, shared by the `file` sink and query output.
package enum CSVText {
    /// Appends `cell` to `bytes`, in double quotes (inner quotes doubled) when it holds a comma, a quote,
    /// CR or LF.
    package static func appendCell(_ cell: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        let needsQuotes = cell.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0A || byte == 0x0D
        }
        guard needsQuotes else {
            bytes.append(contentsOf: cell)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in cell {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the text `cell` to `bytes`, quoted as needed.
    package static func appendCell(_ cell: String, to bytes: inout [UInt8]) {
        var cell = cell
        cell.withUTF8 { appendCell($0, to: &bytes) }
    }
}
