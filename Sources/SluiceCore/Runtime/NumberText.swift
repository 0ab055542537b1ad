/// Numbers as text for people (stats tables, logs, benchmark reports), without Foundation.
package enum NumberText {
    /// `value` rounded to `decimals` decimals, always showing them: `fixed(1.5, decimals: 3)` is
    /// `1.500`. With `grouping`, the whole part has thousands separators. Non-finite values are `-`.
    package static func fixed(_ value: Double, decimals: Int, grouping: Bool = false) -> String {
        guard value.isFinite else { return "-" }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let whole = scaled / scale
        let sign = value < 0 && scaled != 0 ? "-" : ""
        let wholeText = grouping ? grouped(whole) : String(whole)
        guard decimals > 0 else { return sign + wholeText }
        let fraction = String(scaled % scale)
        return sign + wholeText + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// An integer with thousands separators: 1234567 → "1,234,567".
    package static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }
}
