import ArgumentParser
import SluiceTesting

/// `sluice-bench generate`: writes the deterministic NDJSON input of the end-to-end benchmarks.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the benchmark input: seeded NDJSON click events of ~120 bytes.",
        discussion: """
            Each line is {"ts","category","user","value","message"}. ts is epoch milliseconds, increasing over \
            about an hour with 10 % of events up to 500 ms late; category is one of 50 names spelled with stray \
            spaces and mixed case (1 % are blank); 5 % of values are below 1. The same seed writes the same bytes.
            """)

    @Option(help: "Where to write the events.")
    var output = "Benchmarks/data/events.ndjson"

    @Option(help: "Number of events.")
    var count = 1_000_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let started = monotonicSeconds()
        let file = try OutputFile(path: output)
        var generator = EventLineGenerator(count: count, seed: seed)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.flushThreshold + 512)
        for index in 0..<count {
            generator.appendLine(index, to: &buffer)
            if buffer.count >= Self.flushThreshold {
                try file.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
        let bytes = try file.close()
        let seconds = monotonicSeconds() - started
        print(
            "wrote \(count) events, \(bytes) bytes (\(bytes / count) bytes/event) to \(output) in "
                + "\(format(seconds, decimals: 2)) s")
    }

    private static let flushThreshold = 1 << 20
}

/// Builds the benchmark's event lines from a seeded generator, straight into a byte buffer.
struct EventLineGenerator {
    private var random: SplitMix64
    private let count: Int
    private let categories: [[[UInt8]]]
    private static let startMilliseconds: UInt64 = 1_700_000_000_000
    private static let spanMilliseconds: UInt64 = 3_600_000

    init(count: Int, seed: UInt64) {
        self.count = count
        random = SplitMix64(seed: seed)
        categories = Self.categoryNames.map(Self.spellings)
    }

    /// Appends event number `index` as one NDJSON line.
    mutating func appendLine(_ index: Int, to buffer: inout [UInt8]) {
        var ts = Self.startMilliseconds + UInt64(index) * Self.spanMilliseconds / UInt64(count)
        if random.next(below: 10) == 0 { ts -= min(ts, random.next(below: 500)) }
        buffer.append(contentsOf: #"{"ts":"#.utf8)
        buffer.appendDecimal(ts)
        buffer.append(contentsOf: #","category":""#.utf8)
        if random.next(below: 100) == 0 {
            buffer.append(contentsOf: "   ".utf8)
        } else {
            let spellings = categories[Int(random.next(below: UInt64(categories.count)))]
            buffer.append(contentsOf: spellings[Int(random.next(below: UInt64(spellings.count)))])
        }
        buffer.append(contentsOf: #"","user":"u"#.utf8)
        buffer.appendDecimal(random.next(below: 100_000), width: 5)
        buffer.append(contentsOf: #"","value":"#.utf8)
        let cents = random.next(below: 20) == 0 ? random.next(below: 100) : 100 + random.next(below: 99_900)
        buffer.appendDecimal(cents / 100)
        buffer.append(UInt8(ascii: "."))
        buffer.appendDecimal(cents % 100, width: 2)
        buffer.append(contentsOf: #","message":""#.utf8)
        let template = Self.messages[Int(random.next(below: UInt64(Self.messages.count)))]
        buffer.append(contentsOf: template.prefix.utf8)
        buffer.appendDecimal(random.next(below: template.limit))
        buffer.append(contentsOf: template.suffix.utf8)
        buffer.append(contentsOf: "\"}\n".utf8)
    }

    /// Eight spellings of one category that `clean` (trim + lowercase) maps back to it; JSON-escaped.
    private static func spellings(of name: String) -> [[UInt8]] {
        let title = name.prefix(1).uppercased() + name.dropFirst()
        let upper = name.uppercased()
        return [name, title, upper, "  \(title) ", "\(name)  ", " \(upper)", #"\t"# + name, "\(title) "].map {
            Array($0.utf8)
        }
    }

    private static let categoryNames = [
        "books", "games", "music", "movies", "toys", "garden", "tools", "sports", "beauty", "health",
        "grocery", "baby", "pets", "auto", "office", "shoes", "jewelry", "watches", "luggage", "crafts",
        "software", "phones", "cameras", "computers", "tablets", "audio", "video", "kitchen", "furniture",
        "lighting", "bedding", "bath", "outdoor", "fitness", "cycling", "camping", "fishing", "hunting", "golf",
        "tennis", "art", "comics", "magazines", "stationery", "party", "seasonal", "industrial", "science",
        "travel", "tickets",
    ]

    private static let messages: [(prefix: String, limit: UInt64, suffix: String)] = [
        ("viewed item ", 100_000, " from search page"),
        ("added ", 10, " items to cart on page 3"),
        ("checkout completed in ", 2_000, " ms by card"),
        ("opened /products/", 100_000, "?ref=homepage"),
        ("session ", 1_000_000, " resumed on mobile"),
        ("search returned ", 500, " results for it"),
    ]
}

extension SplitMix64 {
    /// A number in `0..<bound`; the modulo bias is irrelevant for bounds this small.
    mutating func next(below bound: UInt64) -> UInt64 {
        next() % bound
    }
}

extension [UInt8] {
    /// Appends `number` in decimal, left-padded with zeros to `width` digits.
    mutating func appendDecimal(_ number: UInt64, width: Int = 1) {
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let length = Swift.max(digits, width)
        let start = count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: length))
        var value = number
        var position = start + length - 1
        while value > 0 {
            self[position] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            position -= 1
        }
    }
}
