import Testing

@testable import SluiceCore

@Suite struct JSONReaderTests {
    private func read(_ text: String) throws(JSONError) -> Value {
        var reader = JSONReader()
        return try reader.readValue(text)
    }

    private func read(bytes: [UInt8]) -> Result<Value, JSONError> {
        var reader = JSONReader()
        return bytes.withUnsafeBytes { buffer in Result { () throws(JSONError) in try reader.readValue(buffer) } }
    }

    private func errorKind(_ text: String) -> JSONError.Kind? {
        do {
            _ = try read(text)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func decodesEveryValueType() throws {
        let value = try read(#"{"s":"x","i":-3,"d":1.5,"t":true,"f":false,"n":null,"a":[1,"b"],"o":{"k":{}}}"#)
        let event = Event([
            "s": "x", "i": -3, "d": 1.5, "t": true, "f": false, "n": nil, "a": .array([1, "b"]),
            "o": .object(Event(["k": .object(Event())])),
        ])
        #expect(value == .object(event))
    }

    @Test func keepsKeyOrderAndLetsTheLastDuplicateWin() throws {
        let value = try read(#"{"b":1,"a":2,"b":3}"#)
        guard case .object(let event) = value else {
            Issue.record("not an object")
            return
        }
        #expect(event.fields.map(\.name.string) == ["b", "a"])
        #expect(event["b"] == 3)
    }

    @Test func unescapesStrings() throws {
        #expect(try read(#""a\"b\\c\/d\n\t\r\b\f""#) == .string("a\"b\\c/d\n\t\r\u{8}\u{c}"))
        #expect(try read(#""\u00e9\u4e2d\u0000""#) == .string("é中\u{0}"))
        #expect(try read(#"{"k\u00e9y":1}"#) == .object(Event(["kéy": 1])))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try read(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try read("\"😀 raw\"") == .string("😀 raw"))
    }

    @Test func rejectsLoneSurrogates() {
        #expect(errorKind(#""\ud800""#) == .invalidString)
        #expect(errorKind(#""\ud800x""#) == .invalidString)
        #expect(errorKind(#""\udc00""#) == .invalidString)
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            guard case .failure(let error) = read(bytes: bytes) else {
                Issue.record("accepted \(bytes)")
                continue
            }
            #expect(error.kind == .invalidUTF8)
            #expect(error.reason == .invalidUTF8)
        }
    }

    @Test func decodesIntegersThatFitInt64AsInts() throws {
        #expect(try read("9223372036854775807") == .int(Int64.max))
        #expect(try read("-9223372036854775808") == .int(Int64.min))
        #expect(try read("0") == .int(0))
        #expect(try read("-0") == .int(0))
    }

    @Test func decodesLargerIntegersAsDoubles() throws {
        #expect(try read("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try read("18446744073709551615") == .double(18_446_744_073_709_551_615))
        #expect(try read("123456789012345678901234567890") == .double(123_456_789_012_345_678_901_234_567_890))
        #expect(try read("-9223372036854775809") == .double(-9_223_372_036_854_775_809))
    }

    @Test func countsTheIntegersOutsideInt64OfEachText() throws {
        var reader = JSONReader()
        _ = try reader.readEvent(
            #"{"a":9223372036854775808,"b":[123456789012345678901234567890,-99999999999999999999],"c":1,"d":"99999999999999999999"}"#
        )
        #expect(reader.inexactIntegers == 3)
        _ = try reader.readEvent(#"{"a":9223372036854775807,"b":1e30,"c":-9223372036854775808}"#)
        #expect(reader.inexactIntegers == 0)
        _ = try reader.readValue("18446744073709551615")
        #expect(reader.inexactIntegers == 1)
    }

    @Test func roundsDoublesCorrectly() throws {
        #expect(try read("0.1") == .double(0.1))
        #expect(try read("1e3") == .double(1000))
        #expect(try read("-2.5E-3") == .double(-0.0025))
        #expect(try read("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try read("4.9406564584124654e-324") == .double(.leastNonzeroMagnitude))
        #expect(try read("2.2250738585072011e-308") == .double(2.2250738585072011e-308))
        #expect(try read("9007199254740993.0") == .double(9_007_199_254_740_992))
        #expect(try read("1.0") == .double(1))
    }

    @Test func rejectsMalformedNumbers() {
        #expect(errorKind("1e400") == .invalidNumber)
        #expect(errorKind("01") != nil)
        #expect(errorKind("1.") != nil)
        #expect(errorKind("+1") != nil)
        #expect(errorKind("NaN") != nil)
    }

    @Test func acceptsNestingUpToTheLimitAndRejectsDeeper() throws {
        let depth = JSONReader.maximumDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try read(deepest) }
        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(errorKind(tooDeep) == .tooDeep)
        let objects = String(repeating: #"{"a":"#, count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
        #expect(errorKind(objects) == .tooDeep)
    }

    @Test func rejectsTrailingContent() {
        #expect(errorKind(#"{"a":1} x"#) == .syntax)
        #expect(errorKind(#"{"a":1}{"b":2}"#) == .syntax)
        #expect(errorKind("1 2") == .syntax)
    }

    @Test func acceptsSurroundingWhitespace() throws {
        #expect(try read(" \t{\"a\":1}\r\n ") == .object(Event(["a": 1])))
    }

    @Test func rejectsEmptyInput() {
        #expect(errorKind("") == .empty)
        #expect(errorKind("   ") == .empty)
    }

    @Test func rejectsMalformedJSON() {
        for text in [
            #"{"a":1"#, #"{"a" 1}"#, #"{"a":1,}"#, #"[1,,2]"#, #"{a:1}"#, #""open"#, "tru", "{\"a\":\"\u{1}\"}",
        ] {
            let kind = errorKind(text)
            #expect(kind != nil, "accepted \(text)")
            #expect(kind != .internalFailure, "\(text)")
        }
    }

    @Test func errorMessagesIncludeTheParsersExplanation() {
        do {
            _ = try read(#"{"a":}"#)
            Issue.record("accepted malformed JSON")
        } catch {
            #expect(error.reason == .malformedJSON)
            #expect(error.message.hasPrefix("malformed JSON (simdjson: "))
        }
    }

    @Test func readsEventsAndRejectsOtherTopLevelValues() throws {
        var reader = JSONReader()
        #expect(try reader.readEvent(#"{"a":1}"#) == Event(["a": 1]))
        for (text, found) in [("[1]", "an array"), ("\"s\"", "a string"), ("1", "a number"), ("null", "null")] {
            do {
                _ = try reader.readEvent(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.kind == .notAnObject)
                #expect(error.reason == .notAnObject)
                #expect(error.message == "expected a JSON object, found \(found)")
            }
        }
    }

    @Test func reusesOneReaderAcrossDocumentsWithChangingKeys() throws {
        var reader = JSONReader()
        let lines = [
            #"{"a":1,"b":2}"#, #"{"a":3,"b":4}"#, #"{"b":5,"a":6}"#, #"{"a":7,"c":{"b":8}}"#, #"{"ab":9}"#, #"{"":10}"#,
        ]
        var events: [Event] = []
        for line in lines {
            guard case .object(let event) = try reader.readValue(line) else {
                Issue.record("not an object")
                continue
            }
            events.append(event)
        }
        #expect(events[2].fields.map(\.name.string) == ["b", "a"])
        #expect(events[2]["a"] == 6)
        #expect(events[3]["c"] == .object(Event(["b": 8])))
        #expect(events[4]["ab"] == 9)
        #expect(events[5][""] == 10)
    }

    @Test func keepsNamingKeysRightWhenEverNewKeysOverflowTheKeyTable() throws {
        // More distinct keys than the parser's key table holds (16Ki), so it is emptied and renumbered.
        var reader = JSONReader()
        for index in 0..<20_000 {
            let event = try reader.readEvent(#"{"id":\#(index),"key\#(index)":{"id":true}}"#)
            #expect(event.fields.map(\.name.string) == ["id", "key\(index)"])
            #expect(event["key\(index)"] == .object(Event(["id": true])))
        }
    }

    @Test func growsItsTokenBufferForLargeDocuments() throws {
        let items = (0..<10_000).map(String.init).joined(separator: ",")
        guard case .array(let values) = try read("[\(items)]") else {
            Issue.record("not an array")
            return
        }
        #expect(values.count == 10_000)
        #expect(values.last == 9_999)
    }
}

@Suite struct JSONReaderBigIntegerTests {
    @Test func keepsIntegersThatFitBesideOnesThatDoNot() throws {
        var reader = JSONReader()
        let value = try reader.readValue(
            #"{"big":123456789012345678901234567890,"max":9223372036854775807,"s":"99999999999999999999999","x":-1e2}"#)
        #expect(
            value
                == .object(
                    Event([
                        "big": .double(123_456_789_012_345_678_901_234_567_890), "max": .int(Int64.max),
                        "s": "99999999999999999999999", "x": -100.0,
                    ])))
    }

    @Test func stillRejectsMalformedNumbersNextToBigIntegers() {
        var reader = JSONReader()
        #expect(throws: JSONError(.invalidNumber, "invalid number (simdjson: Problem while parsing a number)")) {
            try reader.readValue("[123456789012345678901234567890, 1e999]")
        }
    }
}
