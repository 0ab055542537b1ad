import Testing

@testable import SluiceCore

@Suite struct JSONWriterTests {
    private func text(_ value: Value) -> String {
        var writer = JSONWriter()
        writer.write(value)
        return writer.string
    }

    @Test func writesScalars() {
        #expect(text(nil) == "null")
        #expect(text(true) == "true")
        #expect(text(.int(Int64.min)) == "-9223372036854775808")
        #expect(text(.int(Int64.max)) == "9223372036854775807")
        #expect(text(0) == "0")
    }

    @Test func writesDoublesSoTheyReadBackAsDoubles() {
        #expect(text(1.0) == "1.0")
        #expect(text(-3.0) == "-3.0")
        #expect(text(.double(-0.0)) == "-0.0")
        #expect(text(0.1) == "0.1")
        #expect(text(1e16) == "1e+16")
        #expect(text(.double(.nan)) == "null")
        #expect(text(.double(.infinity)) == "null")
    }

    @Test func escapesStrings() {
        #expect(text("a\"b\\c\n\r\t\u{1}\u{1f}") == #""a\"b\\c\n\r\t\u0001\u001f""#)
        #expect(text("é中😀/") == "\"é中😀/\"")
    }

    @Test func writesEventsInFieldOrderWithCachedKeys() {
        var writer = JSONWriter()
        writer.write(Event(["b": 1, "a\"": .array([1, "x"]), "o": .object(Event(["b": nil]))]))
        writer.bytes.append(UInt8(ascii: "\n"))
        writer.write(Event(["a\"": 2]))
        #expect(writer.string == "{\"b\":1,\"a\\\"\":[1,\"x\"],\"o\":{\"b\":null}}\n{\"a\\\"\":2}")
        writer.reset()
        #expect(writer.bytes.isEmpty)
    }

    @Test func writesKeysBeyondTheCachedRangeAndWithoutACache() {
        // Intern enough names that the last one lies past the cache's range, whatever ran before.
        var last = FieldName("beyond-0")
        for index in 1...4_100 { last = FieldName("beyond-\(index)") }
        var event = Event()
        event[last] = "v"
        event[FieldName("a\"")] = 1
        let expected = "{\"\(last.string)\":\"v\",\"a\\\"\":1}"
        var cached = JSONWriter()
        for _ in 0..<2 {
            cached.reset()
            cached.write(event)
            #expect(cached.string == expected)
        }
        var uncached = JSONWriter(cachesKeys: false)
        uncached.write(event)
        #expect(uncached.string == expected)
        #expect(Value.object(event).description == expected)
    }

    @Test func roundTripsDocumentsThroughReaderAndWriter() throws {
        var reader = JSONReader()
        let documents = [
            #"{"ts":1700000000000,"category":" Books ","user":"u123","value":12.5,"message":"some text here"}"#,
            #"{"s":"\"\\\n\u0001é😀","n":null,"b":false,"a":[[],{},[1,2.5,"x"]],"o":{"p":{"q":-0.0}}}"#,
            #"[1,-1,0.1,1e+300,5e-324,9223372036854775807,-9223372036854775808,1.5e+16]"#,
        ]
        for document in documents {
            let value = try reader.readValue(document)
            let again = try reader.readValue(text(value))
            #expect(again == value, "\(document)")
        }
    }

    @Test func roundTripsDoublesBitForBit() throws {
        var reader = JSONReader()
        var generator = SystemRandomNumberGenerator()
        var samples: [Double] = [
            0.1, 1 / 3, .pi, -.ulpOfOne, .leastNormalMagnitude, .greatestFiniteMagnitude, 1e15, 123456.789e-20,
        ]
        for _ in 0..<2_000 {
            samples.append(Double(bitPattern: generator.next() & ~(0x7FF << 52) | (UInt64.random(in: 0...0x7FE) << 52)))
        }
        for sample in samples {
            guard case .double(let read) = try reader.readValue(text(.double(sample))) else {
                Issue.record("\(sample) did not read back as a double")
                continue
            }
            #expect(read.bitPattern == sample.bitPattern, "\(sample)")
        }
    }
}
