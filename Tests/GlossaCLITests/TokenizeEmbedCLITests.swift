// `glossa tokenize` and `glossa embed` end to end on the real model: golden ids and query vectors
// (../shared/golden/texts.jsonl), --jsonl input, and input errors that name the line.
import Foundation
import GlossaTestSupport
import Testing

@Suite(
    "glossa tokenize / embed",
    .enabled(if: TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled),
    .serialized)
struct TokenizeEmbedCLITests {
    /// Multilingual golden texts without line breaks (so they can be fed one per plain stdin line).
    private static let ids = ["en_q", "ko_q", "zh_q", "ar_q", "hi_q", "ru_q", "fa_zwnj", "mixed", "edge_emoji"]

    private static func golden(_ ids: [String]) throws -> [GoldenText] {
        let all = try Golden.texts()
        return try ids.map { id in
            try #require(all.first { $0.id == id }, "golden text \(id) is missing from texts.jsonl")
        }
    }

    private static func jsonl(_ texts: [String]) throws -> Data {
        var data = Data()
        for text in texts {
            data += try JSONEncoder().encode(["text": text])
            data += Data("\n".utf8)
        }
        return data
    }

    @Test("tokenize: plain lines give the golden ids of \"query: \" + text")
    func tokenizeGolden() throws {
        let golden = try Self.golden(Self.ids)
        let result = try CLI.run(["tokenize", "--prefix", "query"], stdin: CLI.lines(golden.map(\.text)))
        try #require(result.status == 0, "\(result.summary)")
        let rows = try CLI.parseArrays(result.out)
        try #require(rows.count == golden.count, "\(rows.count) output lines for \(golden.count) inputs")
        for (row, text) in zip(rows, golden) {
            #expect(row.map { Int32($0) } == text.token_ids, "\(text.id)")
        }
    }

    @Test("tokenize --jsonl: texts with tabs and newlines inside JSON give the golden ids")
    func tokenizeJSONL() throws {
        let golden = try Self.golden(["edge_tabs_newlines", "code", "de_p", "ja_q"])
        let result = try CLI.run(["tokenize", "--jsonl"], stdin: Self.jsonl(golden.map(\.text)))
        try #require(result.status == 0, "\(result.summary)")
        let rows = try CLI.parseArrays(result.out)
        try #require(rows.count == golden.count, "\(result.out)")
        for (row, text) in zip(rows, golden) {
            #expect(row.map { Int32($0) } == text.token_ids, "\(text.id)")
        }
    }

    @Test("tokenize: invalid UTF-8 stops with an error naming <stdin> and the line; earlier lines are printed")
    func tokenizeInvalidUTF8() throws {
        var input = Data("hello\nworld\n".utf8)
        input += Data([0x61, 0xFF, 0xFE, 0x62, 0x0A])
        input += Data("after\n".utf8)
        let result = try CLI.run(["tokenize"], stdin: input)
        #expect(result.status != 0, "\(result.summary)")
        #expect(result.err.contains("<stdin>:3"), "\(result.summary)")
        #expect(result.err.contains("UTF-8"), "\(result.summary)")
        #expect(try CLI.parseArrays(result.out).count == 2, "\(result.out)")
    }

    @Test("tokenize: over two input chunks, a bad line still prints every line before it, in order")
    func tokenizeAcrossChunks() throws {
        let count = 2_500
        let bad = 2_100
        var input = Data()
        for number in 1...count {
            input += number == bad ? Data([0xC0, 0x80, 0x0A]) : Data("line \(number) текст\n".utf8)
        }
        let result = try CLI.run(["tokenize"], stdin: input)
        #expect(result.status != 0, "\(result.summary)")
        #expect(result.err.contains("<stdin>:\(bad)"), "\(result.summary)")
        let rows = try CLI.parseArrays(result.out)
        try #require(rows.count == bad - 1, "\(rows.count) lines printed before line \(bad)")
        // The last printed line is the one just before the bad line, tokenised on its own.
        let alone = try CLI.run(["tokenize"], stdin: CLI.lines(["line \(bad - 1) текст"]))
        #expect(try CLI.parseArrays(alone.out) == [rows[bad - 2]])
        #expect(rows[0] != rows[bad - 2])
    }

    @Test("tokenize --jsonl: a line without a string \"text\" names the line and the field")
    func tokenizeMalformedJSONL() throws {
        let input = Data("{\"text\": \"fine\"}\n{\"txt\": \"typo\"}\n".utf8)
        let result = try CLI.run(["tokenize", "--jsonl"], stdin: input)
        #expect(result.status != 0, "\(result.summary)")
        #expect(result.err.contains("<stdin>:2"), "\(result.summary)")
        #expect(result.err.contains("'text'"), "\(result.summary)")
        #expect(try CLI.parseArrays(result.out).count == 1, "\(result.out)")
    }

    @Test("embed --kind query: 384 floats per line, equal to the golden query vectors within 1e-5")
    func embedGolden() throws {
        let golden = try Self.golden(["en_q", "zh_q", "ar_q", "ru_q", "mixed"])
        let result = try CLI.run(["embed", "--kind", "query", "--quiet"], stdin: CLI.lines(golden.map(\.text)))
        try #require(result.status == 0, "\(result.summary)")
        let rows = try CLI.parseArrays(result.out)
        try #require(rows.count == golden.count, "\(rows.count) output lines for \(golden.count) inputs")
        for (row, text) in zip(rows, golden) {
            #expect(row.count == 384, "\(text.id): \(row.count) values")
            let got = row.map { Float($0) }
            let diff = Numeric.maxAbsDiff(got, text.query)
            #expect(
                diff <= Tolerance.fp32Component,
                "\(Numeric.report("embed \(text.id)", got: got, expected: text.query))")
        }
    }

    @Test("embed --jsonl: invalid UTF-8 on line 2 exits non-zero naming the line, after printing line 1")
    func embedInvalidUTF8() throws {
        var input = Data("{\"text\": \"ok\"}\n".utf8)
        input += Data([0x7B, 0xC3, 0x28, 0x7D, 0x0A])
        let result = try CLI.run(["embed", "--jsonl", "--quiet"], stdin: input)
        #expect(result.status != 0, "\(result.summary)")
        #expect(result.err.contains("<stdin>:2"), "\(result.summary)")
        #expect(try CLI.parseArrays(result.out).count == 1, "\(result.out)")
    }
}
