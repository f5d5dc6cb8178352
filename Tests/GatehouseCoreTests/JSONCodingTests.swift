import GatehouseCore
import Testing

@Suite("JSON reading and writing")
struct JSONCodingTests {
    func parse(_ text: String) throws -> JSONValue { try JSONCoding.decode(Array(text.utf8)) }

    @Test func aLineWrittenPieceByPieceIsValidJSON() throws {
        var writer = JSONWriter()
        writer.raw(#"{"a":"#)
        writer.string("quote \" backslash \\ newline \n tab \t \u{01}")
        writer.raw(#","b":"#)
        writer.integer(-42)
        for (value, scale) in [(12345, 3), (50, 3), (-7, 2), (0, 3)] as [(Int64, Int)] {
            writer.raw(#","d":"#)
            writer.decimal(value, scale: scale)
        }
        writer.raw("}")
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text.hasSuffix(#""b":-42,"d":12.345,"d":0.050,"d":-0.07,"d":0.000}"#))
        #expect(try parse(text)["a"] == "quote \" backslash \\ newline \n tab \t \u{01}")
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d"}, "e": -0, "big": 12345678901234567890} "#)
        #expect(value["a"] == [1, -2.5, 300, true, false, nil])
        #expect(value["b"]?["c"] == "d")
        #expect(value["e"]?.intValue == 0)
        #expect(value["big"]?.doubleValue == 12_345_678_901_234_567_890)
    }

    /// Integers beyond 2^53 are written back as they were read; those a Double holds exactly
    /// are plain numbers, equal to the same number made in code.
    @Test func integersADoubleCannotHoldKeepTheirDigits() throws {
        for text in ["9007199254740993", "-9223372036854775807", "123456789012345678901234567890"] {
            let value = try parse(#"{"n":"# + text + "}")
            #expect(String(decoding: JSONCoding.encode(value), as: UTF8.self) == #"{"n":"# + text + "}")
            #expect(value["n"]?.doubleValue == Double(text))
        }
        #expect(try parse("9007199254740993").intValue == 9_007_199_254_740_993)
        #expect(try parse("1000000000000000") == .number(1e15))
        #expect(try parse("9007199254740992") == .number(9_007_199_254_740_992))
        #expect(try parse("9007199254740993") != .number(9_007_199_254_740_992))
        // Made in code, an Int a Double cannot hold keeps its digits too, and equals the parsed one.
        let big = JSONValue(9_007_199_254_740_993)
        #expect(String(decoding: JSONCoding.encode(["n": big]), as: UTF8.self) == #"{"n":9007199254740993}"#)
        let parsed = try parse("9007199254740993")
        #expect(big.intValue == 9_007_199_254_740_993 && big == parsed)
        #expect(JSONValue(Int.max).intValue == Int.max && JSONValue(42) == .number(42))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#""q\" b\\ s\/ \n\t\r\b\f \u00e9 \ud83d\ude00 é""#)
        #expect(value == .string("q\" b\\ s/ \n\t\r\u{8}\u{c} é 😀 é"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "nul", "\"abc", "\"a\u{1}b\"", "\"\\x\"", "\"\\ud800\"",
        "{\"a\" 1}", "[1 2]", "{} {}", "{1:2}", "NaN", "1e999",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONCoding.InvalidJSON.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONCoding.InvalidJSON.self) { try JSONCoding.decode([0x22, 0xFF, 0xFE, 0x22]) }
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: JSONCoding.InvalidJSON.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func writesWhatItReads() throws {
        let value: JSONValue = [
            "text": "line\nbreak \"quoted\" \\ tab\t ctrl\u{1} é 😀", "int": 42, "negative": -7, "fraction": 0.1, "tiny": 1e-7,
            "list": [true, false, nil, [:], []], "nested": ["deeper": ["x": 1]],
        ]
        let bytes = JSONCoding.encode(value)
        #expect(try JSONCoding.decode(bytes) == value)
        #expect(JSONCoding.encodeString(["n": 3]) == #"{"n":3}"#)
        #expect(JSONCoding.encodeString(["s": "\u{1}"]) == #"{"s":"\u0001"}"#)
    }

    /// Every ASCII byte written as JSON wants it, alone, at the ends of a run and between runs,
    /// from a string and from a substring that starts inside its string.
    @Test func stringsAreEscapedExactly() {
        func expected(_ text: String) -> String {
            var out: [UInt8] = [0x22]
            for byte in text.utf8 {
                switch byte {
                case 0x22: out += Array(#"\""#.utf8)
                case 0x5C: out += Array(#"\\"#.utf8)
                case 0x0A: out += Array(#"\n"#.utf8)
                case 0x0D: out += Array(#"\r"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case 0x00..<0x20: out += Array(("\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)).utf8)
                default: out.append(byte)
                }
            }
            return String(decoding: out + [0x22], as: UTF8.self)
        }
        func written(_ text: some StringProtocol) -> String {
            var writer = JSONWriter()
            writer.string(text)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        for byte in UInt8(0)..<0x80 {
            let one = String(UnicodeScalar(byte))
            #expect(written(one) == expected(one))
            #expect(written("ab" + one + "cd") == expected("ab" + one + "cd"))
        }
        #expect(written("\u{0}\"\\") == #""\u0000\"\\""#)
        #expect(written("") == #""""#)
        #expect(written("é 😀 plain") == "\"é 😀 plain\"")
        let text = "skip this: keep \"this\" \u{1f}\nand é"
        let substring = text[text.index(text.startIndex, offsetBy: 11)...]
        #expect(written(substring) == expected(String(substring)))
        #expect(written(substring) == #""keep \"this\" \u001f\nand é""#)
    }

    /// Reading a few members of a top-level object builds only those, and refuses exactly what
    /// the whole parse refuses: the skipped members are checked as strictly.
    @Test func keepingAFewMembersAcceptsAndRefusesAsTheWholeParseDoes() throws {
        let names = ["id", "usage"]
        let valid = [
            #" {"id": "c-1", "choices": [{"message": {"content": "h\u00e9 \"x\" é 😀", "n": [1, -2.5e3, true, null]}}], "usage": {"total_tokens": 3}} "#,
            #"{"choices": [], "x": {}, "y": [[], {"a": {"b": []}}]}"#, #"{}"#, #"[1, {"id": 2}]"#, #""s""#, "12",
        ]
        for text in valid {
            let whole = try parse(text)
            let kept = try JSONCoding.decode(Array(text.utf8), keeping: names)
            if case .object(let members) = whole {
                #expect(kept == .object(members.filter { names.contains($0.key) }))
            } else {
                #expect(kept == whole)
            }
        }
        let skippedButInvalid = [
            #"{"id": 1, "x": [1,]}"#, #"{"x": {"a" 1}, "id": 1}"#, "{\"x\": \"a\u{1}b\"}", #"{"x": "\q"}"#, #"{"x": "\ud800"}"#,
            #"{"x": 01}"#, #"{"x": tru}"#, #"{"x": "abc}"#, #"{"x": [1 2]}"#, #"{"x": {1: 2}}"#, #"{"x": 1} {}"#, #"{"x": 1,}"#,
            #"{"x": "# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}",
        ]
        for text in skippedButInvalid {
            #expect(throws: JSONCoding.InvalidJSON.self) { try parse(text) }
            #expect(throws: JSONCoding.InvalidJSON.self) { try JSONCoding.decode(Array(text.utf8), keeping: names) }
        }
        let invalidUTF8: [UInt8] = Array(#"{"x": ""#.utf8) + [0xFF, 0xFE] + Array(#"", "id": 1}"#.utf8)
        #expect(throws: JSONCoding.InvalidJSON.self) { try JSONCoding.decode(invalidUTF8, keeping: names) }
    }

    /// An object written with changes is the object changed: members replaced, added and left out,
    /// the rest as they were; a value that is not an object is written as it is.
    @Test func anObjectWrittenWithChangesIsTheObjectChanged() throws {
        let body = try parse(#"{"model":"client","messages":[{"role":"user","content":"hé \"x\""}],"stream":true,"n":1}"#)
        let changes: [(name: String, value: JSONValue?)] = [
            ("model", "upstream"), ("stream_options", ["include_usage": true]), ("n", nil), ("absent", nil),
        ]
        var expected = body
        expected["model"] = "upstream"
        expected["stream_options"] = ["include_usage": true]
        expected["n"] = nil
        #expect(try parse(String(decoding: JSONCoding.encode(body, changing: changes), as: UTF8.self)) == expected)
        #expect(try parse(String(decoding: JSONCoding.encode(body, changing: []), as: UTF8.self)) == body)
        #expect(JSONCoding.encode(["a", 1], changing: changes) == JSONCoding.encode(["a", 1]))
        #expect(JSONCoding.encode([:], changing: [("model", nil)]) == Array("{}".utf8))
    }

    /// Setting a member changes that value only: a copy made before keeps what it had.
    @Test func settingAMemberLeavesCopiesAlone() {
        let original: JSONValue = ["a": 1, "b": ["c": 2]]
        var copy = original
        copy["a"] = 3
        copy["d"] = "new"
        copy["b"] = nil
        #expect(original == ["a": 1, "b": ["c": 2]])
        #expect(copy == ["a": 3, "d": "new"])
        var notAnObject: JSONValue = [1, 2]
        notAnObject["a"] = 1
        #expect(notAnObject == [1, 2])
    }
}
