import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceStages

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FileSourceTests {
    /// Runs a `file` source over `files` written to a temporary directory, reading `path` in it.
    private func run(
        _ files: [(String, [UInt8])], path: String = "*", options: KeyValuePairs<String, String> = [:],
        batchSize: Int = 1_000
    ) throws -> (CollectingSourceOutput, String) {
        let directory = try TemporaryDirectory()
        for (name, bytes) in files { try directory.write(name, bytes) }
        var pairs: [(String, String)] = [("path", directory.path + "/" + path)]
        pairs.append(contentsOf: options.map { ($0.key, $0.value) })
        let output = CollectingSourceOutput(batchSize: batchSize)
        try makeSource(FileSource.self, pairs).run(output: output)
        return (output, directory.path)
    }

    private func file(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(arguments: ["1", "4"]) func readsNDJSONInBatchesWithByteCounts(decoders: String) throws {
        let text = (1...5).map { #"{"n":\#($0),"s":"x"}"# + "\n" }.joined()
        let (output, _) = try run([("a.ndjson", file(text))], options: ["decoders": decoders], batchSize: 2)
        #expect(output.events.map { $0["n"] } == [1, 2, 3, 4, 5])
        #expect(output.batches.map(\.count) == [2, 2, 1])
        #expect(output.batches.map(\.byteCount).reduce(0, +) == text.utf8.count)
        #expect(output.rejections.isEmpty)
    }

    @Test(arguments: ["1", "4"]) func keepsIntegersBeyondInt64AsFloatsAndCountsThem(decoders: String) throws {
        let text = "{\"n\":1}\n{\"id\":123456789012345678901,\"x\":[18446744073709551615]}\n{\"n\":3}\n"
        let (output, directory) = try run([("a.ndjson", file(text))], options: ["decoders": decoders])
        #expect(output.events.count == 3)
        #expect(output.events[1]["id"] == .double(123_456_789_012_345_678_901))
        #expect(output.rejections.isEmpty)
        #expect(
            output.notes == [
                CollectingSourceOutput.Note(
                    count: 2, counter: .inexactInteger,
                    message: directory + "/a.ndjson:2: 2 integers beyond the 64-bit range read as the nearest float "
                        + "(digits past the 17th may be lost)")
            ])
    }

    @Test func keepsCSVIntegersBeyondInt64AsExactStrings() throws {
        let text = "id,n\n12345678901234567890123,9223372036854775807\n-9223372036854775809,1.5e300\n"
        let (output, _) = try run([("a.csv", file(text))], options: ["format": "csv"])
        #expect(output.events.map { $0["id"] } == ["12345678901234567890123", "-9223372036854775809"])
        #expect(output.events.map { $0["n"] } == [.int(.max), .double(1.5e300)])
        #expect(output.rejections.isEmpty)
    }

    @Test(arguments: ["1", "4"]) func readsAFinalLineWithoutNewlineAndStripsCarriageReturns(decoders: String) throws {
        let (output, _) = try run(
            [("a.ndjson", file("{\"n\":1}\r\n\n  \n{\"n\":2}"))], options: ["format": "ndjson", "decoders": decoders])
        #expect(output.events.map { $0["n"] } == [1, 2])
        #expect(output.rejections.isEmpty)
    }

    @Test(arguments: ["1", "4"]) func readsEveryFileAGlobMatchesInOrder(decoders: String) throws {
        let (output, directory) = try run(
            [
                ("b-1.ndjson", file("{\"f\":\"b1\"}\nbad\n")), ("a-1.ndjson", file("{\"f\":\"a1\"}\n")),
                ("a-2.ndjson", file("{\"f\":\"a2\"}\n")), ("other.txt", file("{\"f\":\"no\"}\n")),
            ],
            path: "*-?.ndjson", options: ["decoders": decoders])
        #expect(output.events.map { $0["f"] } == ["a1", "a2", "b1"])
        #expect(output.rejections.map(\.message).allSatisfy { $0.hasPrefix(directory + "/b-1.ndjson:2: ") })
    }

    @Test(arguments: ["1", "4"]) func rejectsEveryKindOfBadLineAndKeepsTheGoodOnes(decoders: String) throws {
        var bytes = file("{\"n\":1}\n{\"n\":\n")  // 2: malformed
        bytes += [0x7B, 0x22, 0x73, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A]  // 3: invalid UTF-8
        bytes += file("{\"n\":4}\n[1,2]\n")  // 5: not an object
        bytes += file("{\"long\":\"" + String(repeating: "x", count: 3_000) + "\"}\n")  // 6: too long
        bytes += file(String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n")  // 7: too deep
        bytes += file("{\"n\":8} trailing\n{\"n\":9}")  // 8: trailing content
        let (output, directory) = try run(
            [("in.ndjson", bytes)], options: ["max_line_bytes": "1KiB", "decoders": decoders])
        #expect(output.events.map { $0["n"] } == [1, 4, 9])
        #expect(
            output.rejectionCounts == [
                .malformedJSON: 2, .invalidUTF8: 1, .notAnObject: 1, .lineTooLong: 1, .jsonTooDeep: 1,
            ])
        let lines = output.rejections.map { rejection in
            rejection.message.dropFirst(directory.count + "/in.ndjson:".count).prefix { $0 != ":" }
        }
        #expect(lines == ["2", "3", "5", "6", "7", "8"])
        #expect(output.rejections[3].message.contains("line of 3012 bytes is longer than max_line_bytes (1024)"))
        #expect(output.rejections[2].message.hasSuffix("expected a JSON object, found an array"))
    }

    @Test(arguments: ["1", "4"]) func skipsALineLongerThanAChunkWithoutLosingItsNeighbours(decoders: String) throws {
        let long = String(repeating: "y", count: 3 << 20)
        let text = "{\"n\":1}\n{\"s\":\"\(long)\"}\n{\"n\":3}\n\(long)"
        let (output, directory) = try run(
            [("big.ndjson", file(text))], options: ["max_line_bytes": "64KiB", "decoders": decoders])
        #expect(output.events.map { $0["n"] } == [1, 3])
        let messages = output.rejections.map(\.message)
        #expect(messages.count == 2)
        #expect(messages.first?.hasPrefix("\(directory)/big.ndjson:2: line of \(long.utf8.count + 9) bytes") == true)
        #expect(messages.last?.hasPrefix("\(directory)/big.ndjson:4: line of \(long.utf8.count) bytes") == true)
        #expect(output.rejectionCounts == [.lineTooLong: 2])
    }

    @Test func readsCSVWithTypedCellsAndQuoting() throws {
        let text =
            "id,name,score,code,note\r\n" + #"""
                1,"Smith, Jane",12.5,007,"said ""hi"""
                -2,plain,1e3,"42",
                3,"two
                lines",-0.5,x,"a,b"

                """#
        let (output, _) = try run([("in.csv", file(text))], options: ["format": "csv"])
        #expect(output.rejections.isEmpty)
        #expect(
            output.events == [
                Event(["id": 1, "name": "Smith, Jane", "score": 12.5, "code": "007", "note": "said \"hi\""]),
                Event(["id": -2, "name": "plain", "score": 1000.0, "code": "42", "note": ""]),
                Event(["id": 3, "name": "two\nlines", "score": -0.5, "code": "x", "note": "a,b"]),
            ])
    }

    @Test func rejectsBadCSVRecordsWithTheirLineNumbers() throws {
        var bytes = file("a,b\n1,2\n1,2,3\n\"x\"y,2\n")
        bytes += [0xFF, 0x2C, 0x31, 0x0A]
        bytes += file("4,5\n\"open,6\n")
        let (output, directory) = try run([("in.csv", bytes)], options: ["format": "csv"])
        #expect(output.events == [Event(["a": 1, "b": 2]), Event(["a": 4, "b": 5])])
        #expect(
            output.rejections.map(\.message) == [
                "\(directory)/in.csv:3: expected 2 columns, found 3",
                "\(directory)/in.csv:4: text after a closing quote at column 4",
                "\(directory)/in.csv:5: invalid UTF-8 in column 1",
                "\(directory)/in.csv:7: quoted field not closed at the end of the input; the line is skipped and "
                    + "the lines after it are read as records",
            ])
        #expect(output.rejectionCounts == [.csvColumns: 1, .malformedCSV: 1, .invalidUTF8: 1, .unclosedQuote: 1])
    }

    @Test func cutsAnUnclosedCSVQuoteAtTheLimitAndReadsTheRowsAfterIt() throws {
        // Inside the stray quote a quoted field would end it early, so the rows after it have none.
        let rows = (3...400).map { "\($0),row \($0)\n" }.joined()
        let text = "n,s\n1,\"stray quote\n" + rows + "401,\"two\nlines\"\n"
        let (output, directory) = try run(
            [("in.csv", file(text))], options: ["format": "csv", "max_line_bytes": "512"])
        #expect(
            output.rejections.map(\.message) == [
                "\(directory)/in.csv:2: quoted field not closed within max_line_bytes (512 bytes); the line is "
                    + "skipped and the lines after it are read as records"
            ])
        #expect(output.rejectionCounts == [.unclosedQuote: 1])
        #expect(output.events.map { $0["n"] } == (3...401).map { Value.int(Int64($0)) })
        #expect(output.events.first == Event(["n": 3, "s": "row 3"]))
        #expect(output.events.last == Event(["n": 401, "s": "two\nlines"]))
    }

    @Test func aStrayQuoteThatAQuoteLinesLaterClosesCostsOnlyItsOwnLine() throws {
        // The stray quote on line 2 runs into line 3, whose first quote closes it before `ok"`.
        let text = "n,s\n1,\"stray\n2,\"ok\"\n3,\"fine\"\n4,\"x\"y\n5,z\n"
        let (output, directory) = try run([("in.csv", file(text))], options: ["format": "csv"])
        #expect(
            output.events == [Event(["n": 2, "s": "ok"]), Event(["n": 3, "s": "fine"]), Event(["n": 5, "s": "z"])])
        #expect(
            output.rejections.map(\.message) == [
                "\(directory)/in.csv:2: quoted field closed on line 3 with text after its closing quote at column 4; "
                    + "the line is skipped and the lines after it are read as records",
                "\(directory)/in.csv:5: text after a closing quote at column 6",
            ])
        #expect(output.rejectionCounts == [.malformedCSV: 2])
    }

    @Test(arguments: [[UInt8](Array("a,\"b\"x\n".utf8)), [0x61, 0x2C, 0xFF, 0x0A], Array("a,\"b\n".utf8)])
    func aRejectedHeaderRejectsTheRecordsAfterItRatherThanNamingColumnsAfterOne(header: [UInt8]) throws {
        let (output, directory) = try run([("in.csv", header + file("1,2\n3,4\n"))], options: ["format": "csv"])
        #expect(output.events.isEmpty)
        #expect(output.rejections.count == 3, "\(output.rejections)")
        #expect(
            output.rejections.first?.message.hasSuffix("(the header row: the records after it cannot be read)") == true)
        #expect(output.rejectionCounts[.noHeader] == 2)
        #expect(
            output.rejections.last?.message
                == "\(directory)/in.csv:3: no column names: the header row (line 1) was rejected")
    }

    @Test func aColumnNamedTwiceIsReadUnderANewNameAndNoted() throws {
        let (output, directory) = try run([("in.csv", file("a,b,a,a_2\n1,2,3,4\n"))], options: ["format": "csv"])
        #expect(output.events == [Event(["a": 1, "b": 2, "a_3": 3, "a_2": 4])])
        #expect(output.rejections.isEmpty)
        #expect(
            output.notes == [
                CollectingSourceOutput.Note(
                    count: 1, counter: .duplicateColumn,
                    message: directory + "/in.csv:1: header names a column twice; reading column 3 'a' as 'a_3'")
            ])
    }

    @Test func readsAQuotedCSVFieldOfManyLinesInOnePass() throws {
        // Joining and re-parsing the record at each line took minutes for this field.
        let lineCount = 100_000
        let field = (0..<lineCount).map { "line \($0)" }.joined(separator: "\n")
        let directory = try TemporaryDirectory()
        try directory.write("in.csv", "id,text\n1,\"\(field)\"\n2,short\n")
        let source = try makeSource(
            FileSource.self, [("path", directory.file("in.csv")), ("format", "csv"), ("max_line_bytes", "16MiB")])
        let output = CollectingSourceOutput()
        let running = RunningSource(source, output: output)
        #expect(running.wait(timeout: 30) != nil, "a field of \(lineCount) lines did not parse within 30 s")
        #expect(output.events == [Event(["id": 1, "text": .string(field)]), Event(["id": 2, "text": "short"])])
    }

    @Test(arguments: ["ndjson", "lines", "csv", "json"])
    func skipsAByteOrderMarkAtTheStartOfAFile(format: String) throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let text: String
        switch format {
        case "csv": text = "n,s\n1,a\n2,b\n"
        case "lines": text = "1\n2\n"
        case "json": text = #"[{"n":1},{"n":2}]"#
        default: text = "{\"n\":1}\n{\"n\":2}\n"
        }
        for decoders in ["1", "4"] {
            let (output, _) = try run(
                [("a.in", bom + file(text)), ("b.in", file(text))], options: ["format": format, "decoders": decoders])
            #expect(output.rejections.isEmpty, "\(format): \(output.rejections)")
            let expected: [Event]
            switch format {
            case "csv": expected = [Event(["n": 1, "s": "a"]), Event(["n": 2, "s": "b"])]
            case "lines": expected = [Event(["message": "1"]), Event(["message": "2"])]
            default: expected = [Event(["n": 1]), Event(["n": 2])]
            }
            #expect(output.events == expected + expected, "\(format)")
        }
    }

    @Test(arguments: ["1", "4"]) func aStopLeavesTheUnfinishedLastLineAlone(decoders: String) throws {
        for format in ["ndjson", "lines"] {
            let directory = try TemporaryDirectory()
            let fifo = directory.file("in.log")
            #expect(mkfifo(fifo, 0o600) == 0)
            let source = try makeSource(FileSource.self, [("path", fifo), ("format", format), ("decoders", decoders)])
            let output = CollectingSourceOutput(batchSize: 1, keepsBatchesAfterStop: true)
            let running = RunningSource(source, output: output)
            let writer = open(fifo, O_WRONLY)
            defer { close(writer) }
            let text = "{\"n\":1}\n{\"n\":"
            #expect(text.withCString { write(writer, $0, strlen($0)) } == text.utf8.count)
            #expect(output.wait { $0.events.count == 1 })
            output.stop()
            #expect(running.wait() != nil, "the source did not stop")
            // The half line is only what was written so far: neither an event nor a malformed line.
            #expect(output.events.count == 1, "\(format)")
            #expect(output.rejections.isEmpty, "\(format): \(output.rejections)")
        }
    }

    @Test func failsWhenNoFileMatchesInOnceMode() throws {
        let failure = #expect(throws: StageFailure.self) { _ = try run([], path: "missing-*.ndjson") }
        #expect(failure?.message.hasPrefix("no file matches '") == true)
        #expect(failure?.message.hasSuffix("/missing-*.ndjson'") == true)
    }

    @Test func readsTheOtherFilesThenFailsWhenAMatchCannotBeRead() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.ndjson", "{\"n\":1}\n")
        try FileManager.default.createDirectory(atPath: directory.file("b.ndjson"), withIntermediateDirectories: false)
        try directory.write("c.ndjson", "{\"n\":3}\n")
        let output = CollectingSourceOutput()
        let source = try makeSource(FileSource.self, [("path", directory.file("*.ndjson")), ("decoders", "1")])
        let failure = #expect(throws: StageFailure.self) { try source.run(output: output) }
        #expect(failure?.message == "cannot read '\(directory.file("b.ndjson"))': Is a directory")
        #expect(output.events == [Event(["n": 1]), Event(["n": 3])])
    }

    @Test func warnsWhenThePathMatchesNothingWhenChecked() throws {
        let (config, diagnostics) = loadConfig(FileSource.self, yaml: "path: /nonexistent/*.ndjson")
        #expect(config != nil)
        #expect(!diagnostics.hasErrors)
        #expect(
            diagnostics.lines == [
                "test.yaml:1:7: warning: stage 'id': no file matches '/nonexistent/*.ndjson' now; the source will "
                    + "fail unless one appears before it starts [no-matching-file]"
            ])
        let (_, tail) = loadConfig(FileSource.self, yaml: "path: /nonexistent/app.log\nmode: tail")
        #expect(
            tail.all.map(\.message) == [
                "no file matches '/nonexistent/app.log' now; the source will wait for one to appear"
            ])
        let directory = try TemporaryDirectory()
        try directory.write("there.ndjson", "")
        #expect(loadConfig(FileSource.self, yaml: "path: \(directory.file("*.ndjson"))").1.isEmpty)
    }

    @Test func readsEachCSVFileWithItsOwnHeader() throws {
        let (output, _) = try run(
            [("1.csv", file("a,b\n1,2\n")), ("2.csv", file("c\n3\n"))], path: "*.csv", options: ["format": "csv"])
        #expect(output.events == [Event(["a": 1, "b": 2]), Event(["c": 3])])
    }

    @Test(arguments: ["1", "4"]) func readsLinesAsMessages(decoders: String) throws {
        let bytes = file("first line\r\n\n{\"not\":\"parsed\"}\n") + [0xC3, 0x28, 0x0A] + file("last")
        let (output, directory) = try run([("app.log", bytes)], options: ["format": "lines", "decoders": decoders])
        #expect(
            output.events == [
                Event(["message": "first line"]), Event(["message": "{\"not\":\"parsed\"}"]),
                Event(["message": "last"]),
            ])
        #expect(output.rejections.map(\.message) == ["\(directory)/app.log:4: invalid UTF-8"])
    }

    @Test func readsAJSONDocumentAsOneEventOrAnArrayOfEvents() throws {
        let (output, directory) = try run(
            [
                ("1.json", file("{\"a\": {\"b\": [1, 2]}}")), ("2.json", file("[{\"n\":1}, 2, {\"n\":3}]")),
                ("3.json", file("[{\"n\":4},")), ("4.json", file("\"text\"")),
            ],
            path: "*.json", options: ["format": "json"])
        #expect(
            output.events == [Event(["a": .object(Event(["b": .array([1, 2])]))]), Event(["n": 1]), Event(["n": 3])])
        let messages = output.rejections.map(\.message)
        #expect(messages.count == 3)
        #expect(messages.first == "\(directory)/2.json:1: array item 2 is int, not an object")
        #expect(messages.dropFirst().first?.hasPrefix("\(directory)/3.json:1: malformed JSON (simdjson: ") == true)
        #expect(messages.last == "\(directory)/4.json:1: expected a JSON object or an array of objects, found string")
    }

    @Test func reportsInvalidOptionsWithPositions() {
        guard
            case .failure(let diagnostics) = readConfig(
                FileSource.self,
                [
                    "path": "x", "format": "json", "mode": "tail", "max_line_bytes": "0", "decoders": "300",
                    "colour": "red",
                ])
        else {
            Issue.record("accepted invalid options")
            return
        }
        let messages = diagnostics.all.map(\.message)
        #expect(messages.contains("'format: json' reads whole files and cannot be used with 'mode: tail'"))
        #expect(messages.contains("option 'max_line_bytes' must be between 1 and 1GiB"))
        #expect(messages.contains("option 'decoders' must be between 1 and 256"))
        #expect(messages.contains("unknown option 'colour'"))
        guard case .failure(let missing) = readConfig(FileSource.self, ["format": "csvv"]) else {
            Issue.record("accepted a config without path")
            return
        }
        #expect(missing.all.map(\.message).contains("missing required option 'path'"))
        #expect(missing.all.contains { $0.suggestion == "csv" })
    }

    @Test func appliesDefaults() throws {
        let config = try readConfig(FileSource.self, ["path": "x.ndjson"]).get()
        #expect(config.format == .ndjson)
        #expect(config.mode == .once)
        #expect(config.pollInterval == ConfigDuration(milliseconds: 250))
        #expect(config.maxLineBytes == ConfigSize(bytes: 1 << 20))
    }

    @Test func documentsEveryOptionItReads() {
        var reader = OptionsReader(optionsNode(["path": "x"]), stage: "s")
        _ = FileSourceConfig(reading: &reader)
        #expect(reader.knownKeys.sorted() == FileSource.options.map(\.name).sorted())
        var stdinReader = OptionsReader(optionsNode([:]), stage: "s")
        _ = StdinSourceConfig(reading: &stdinReader)
        #expect(stdinReader.knownKeys.sorted() == StdinSource.options.map(\.name).sorted())
    }
}
