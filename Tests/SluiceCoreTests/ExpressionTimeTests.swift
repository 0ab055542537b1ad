import Foundation
import Testing

@testable import SluiceCore

/// Timestamps read and written in tz-database zones, checked against GNU `date` (the C library's own
/// reading of the same files) and for the edges of daylight saving time.
@Suite struct ExpressionTimeTests {
    static let zones = [
        "UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo",
        "Pacific/Chatham", "Europe/Dublin",
    ]

    /// Instants from 1901 to 2199: before, among and long after the files' transitions (the last ones are
    /// in 2037, after which the POSIX rule at the end of each file applies).
    static let instants: [Int64] = {
        var random = SystemRandomNumberGenerator()
        var seconds: [Int64] = [0, 1_700_000_000, 2_145_916_800, 4_102_444_800, 7_258_118_399]
        for _ in 0..<200 { seconds.append(Int64.random(in: -2_140_000_000...7_258_000_000, using: &random)) }
        return seconds
    }()

    @Test(arguments: zones)
    func formatsLikeGNUDate(zone: String) throws {
        let expected = try gnuDate(zone: zone, seconds: Self.instants)
        let format = "format_timestamp(ms, \"%Y-%m-%d %H:%M:%S %z %Z\", \"\(zone)\")"
        for (seconds, line) in zip(Self.instants, expected) {
            let written = try evaluate(format, Event(["ms": .int(seconds * 1_000)]))
            #expect(written == .string(line), "\(zone) at \(seconds)")
        }
    }

    @Test(arguments: zones)
    func readsBackWhatItWrites(zone: String) throws {
        let write = try compileValid("format_timestamp(ms, \"%Y-%m-%dT%H:%M:%S%.f%:z\", \"\(zone)\")")
        let read = try compileValid("parse_timestamp(text, \"%Y-%m-%dT%H:%M:%S%.f%z\")")
        var context = EvaluationContext(seed: 1, clock: .fixed(0))
        // Since 1970: offsets of local mean time before ~1900 have seconds (+05:53:20), which %z cannot carry.
        for seconds in Self.instants where seconds >= 0 {
            let ms = seconds * 1_000 + 123
            let text = write.evaluate(Event(["ms": .int(ms)]), context: &context)
            #expect(read.evaluate(Event(["text": text]), context: &context) == .int(ms), "\(zone) \(text)")
        }
    }

    @Test(arguments: [
        // Clocks set back in Berlin on 2023-10-29 at 03:00 CEST: 02:30 happens twice; the first is CEST.
        ("2023-10-29 02:30", "Europe/Berlin", Int64(1_698_539_400_000)),
        // Clocks set forward on 2023-03-26 at 02:00 CET: 02:30 never happens; it reads as 03:30 CEST.
        ("2023-03-26 02:30", "Europe/Berlin", 1_679_794_200_000),
        // Southern hemisphere: Sydney is on daylight time (UTC+11) in January.
        ("2024-01-15 12:00", "Australia/Sydney", 1_705_280_400_000),
        // After the last transition in the file, from the POSIX rule: New York in July 2150 is on EDT.
        ("2150-07-01 12:00", "America/New_York", 5_695_977_600_000),
        ("2023-11-14 22:13", "+05:30", 1_699_980_180_000),
    ])
    func readsLocalTimesAroundChanges(text: String, zone: String, expected: Int64) throws {
        let value = try evaluate(
            "parse_timestamp(text, \"%Y-%m-%d %H:%M\", \"\(zone)\")", Event(["text": .string(text)]))
        #expect(value == .int(expected))
    }

    @Test func aZoneReadFromAFieldIsLookedUpPerEvent() throws {
        let expression = try compileValid("format_timestamp(0, \"%H:%M %Z\", tz)")
        var context = EvaluationContext(seed: 1, clock: .fixed(0))
        #expect(expression.evaluate(Event(["tz": "Asia/Kolkata"]), context: &context) == "05:30 IST")
        #expect(expression.evaluate(Event(["tz": "Nowhere/Else"]), context: &context) == nil)
        #expect(expression.evaluate(Event(["tz": "../../etc/passwd"]), context: &context) == nil)
        #expect(expression.evaluate(Event(["tz": 5]), context: &context) == nil)
    }

    @Test func aFormatWithoutAYearReadsTheCurrentYearOrTheOneBefore() throws {
        let expression = try compileValid("parse_timestamp(text, \"%b %d %H:%M:%S\")")
        // The clock on 2024-01-01T00:10:00Z: a December line is from 2023, a January line from 2024.
        var context = EvaluationContext(seed: 1, clock: .fixed(1_704_067_800_000))
        #expect(expression.evaluate(Event(["text": "Dec 31 23:59:00"]), context: &context) == .int(1_704_067_140_000))
        #expect(expression.evaluate(Event(["text": "Jan  1 00:05:00"]), context: &context) == .int(1_704_067_500_000))
    }

    @Test(arguments: [
        ("2023-13-01", "%Y-%m-%d"), ("2023-02-29", "%Y-%m-%d"), ("2023-01-01 24:00", "%Y-%m-%d %H:%M"),
        ("2023-01-01x", "%Y-%m-%d"), ("13:00 PM", "%I:%M %p"), ("", "%Y"), ("99999999999999999999", "%s"),
        ("2023-01-01 +2500", "%Y-%m-%d %z"),
    ])
    func invalidTimesAreNull(text: String, format: String) throws {
        #expect(try evaluate("parse_timestamp(text, \"\(format)\")", Event(["text": .string(text)])) == nil)
    }

    @Test func timesOutsideTheYearsZeroToNineThousandNineHundredNinetyNineAreNull() throws {
        for ms in [Int64.min, Int64.max, -62_167_219_200_001, 253_402_300_800_000] {
            #expect(try evaluate("format_timestamp(ms, \"%F\")", Event(["ms": .int(ms)])) == nil)
        }
        #expect(try evaluate("format_timestamp(-62167219200000, \"%F %T\")") == "0000-01-01 00:00:00")
    }

    @Test func aTZifFileWithoutAFooterRuleKeepsItsLastOffset() throws {
        // Version 1 (no 64-bit block, no POSIX rule): one transition, at 1000 s, from +1h to +2h.
        var bytes = Array("TZif".utf8) + [0] + [UInt8](repeating: 0, count: 15)
        for count: UInt32 in [0, 0, 0, 1, 2, 8] { bytes += withUnsafeBytes(of: count.bigEndian, Array.init) }
        bytes += withUnsafeBytes(of: Int32(1_000).bigEndian, Array.init) + [1]
        for (offset, index) in [(Int32(3_600), UInt8(0)), (7_200, 4)] {
            bytes += withUnsafeBytes(of: offset.bigEndian, Array.init) + [0, index]
        }
        bytes += Array("ONE\0TWO\0".utf8)
        let zone = try #require(ZoneRules.parse(tzif: bytes, name: "test"))
        #expect(zone.localTimeType(atUTC: 999).abbreviation == "ONE")
        #expect(zone.localTimeType(atUTC: 1_000).offset == 7_200)
        #expect(zone.localTimeType(atUTC: 4_000_000_000).abbreviation == "TWO")
        #expect(ZoneRules.parse(tzif: Array(bytes.prefix(50)), name: "cut") == nil)
        #expect(ZoneRules.parse(tzif: Array("TZjf".utf8) + bytes.dropFirst(4), name: "bad") == nil)
    }

    /// GNU `date`'s rendering of each of `seconds` in `zone`, one line each; `TZ` is set for the child
    /// process only.
    private func gnuDate(zone: String, seconds: [Int64]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/date")
        process.arguments = ["-f", "-", "+%Y-%m-%d %H:%M:%S %z %Z"]
        process.environment = ["TZ": zone, "LC_ALL": "C"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(seconds.map { "@\($0)\n" }.joined().data(using: .utf8)!)
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
