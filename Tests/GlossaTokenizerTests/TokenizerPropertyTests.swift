// Invariants that hold for every text: <s> first, </s> last, at most 512 ids, ids in range, truncation
// keeps the head, batched equals one-at-a-time, and byte spans that increase, never overlap and sit on
// scalar boundaries, with nothing but dropped whitespace or removed characters between them.
import Foundation
import GlossaCore
import GlossaTestSupport
import Testing

@testable import GlossaTokenizer

@Suite("Tokenizer invariants", .enabled(if: TokenizerFixture.enabled))
struct TokenizerPropertyTests {
    static let kinds: [TextKind] = [.query, .passage, .none, .instructedQuery(task: "Find the answer")]

    /// The golden texts plus a few inputs built to stress the invariants.
    static func corpus() throws -> [String] {
        let extra = [
            "", " ", "x", String(repeating: "a ", count: 700), String(repeating: "語", count: 1_200),
            "<mask>", " <mask> ", "<s></s><pad><unk><mask>", "tab\t<mask>\u{3000}<mask>end",
        ]
        return try Golden.texts().map(\.text) + extra
    }

    @Test("ids start with <s>, end with </s>, stay within 512 and within the vocabulary", arguments: kinds)
    func framing(kind: TextKind) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for text in try Self.corpus() {
            let ids = try tokenizer.encode(text, kind: kind)
            #expect(ids.first == Tokenizer.bosID && ids.last == Tokenizer.eosID, "\(text.debugDescription.prefix(60))")
            #expect(ids.count >= 2 && ids.count <= Tokenizer.maxLength)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize })
        }
    }

    @Test("encode is <s> + the first maxLength-2 content tokens + </s>", arguments: [3, 4, 17, 512])
    func truncation(maxLength: Int) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for text in try Self.corpus() {
            let content = try tokenizer.contentTokens(TextKind.passage.apply(to: text)).map(\.id)
            let expected = [Tokenizer.bosID] + content.prefix(maxLength - 2) + [Tokenizer.eosID]
            #expect(try tokenizer.encode(text, kind: .passage, maxLength: maxLength) == expected)
        }
    }

    @Test("encodeBatch equals encode one text at a time, for every batch size tried", arguments: [0, 1, 2, 3, 7, 88])
    func batchEqualsSingle(batchSize: Int) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let texts = Array(try Self.corpus().prefix(batchSize))
        let batched = try tokenizer.encodeBatch(texts, kind: .query)
        #expect(batched.count == texts.count)
        for (index, text) in texts.enumerated() {
            #expect(batched[index] == (try tokenizer.encode(text, kind: .query)), "text \(index)")
        }
    }

    @Test("byte spans increase, never overlap, sit on scalar boundaries and skip only content-free bytes")
    func spans() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for text in try Self.corpus() {
            let bytes = Array(text.utf8)
            let tokens = try tokenizer.contentTokens(text)
            var cursor = 0
            var gaps: [Range<Int>] = []
            for token in tokens {
                let range = token.utf8Range
                #expect(
                    range.lowerBound >= cursor && range.upperBound <= bytes.count, "\(text.debugDescription.prefix(60))"
                )
                #expect(isScalarBoundary(bytes, range.lowerBound) && isScalarBoundary(bytes, range.upperBound))
                if range.lowerBound > cursor { gaps.append(cursor..<range.lowerBound) }
                cursor = max(cursor, range.upperBound)
            }
            if cursor < bytes.count { gaps.append(cursor..<bytes.count) }
            // What the spans leave out must carry no tokens of its own.
            for gap in gaps {
                let skipped = String(decoding: bytes[gap], as: UTF8.self)
                #expect(
                    try tokenizer.contentTokens(skipped).isEmpty,
                    "gap \(skipped.debugDescription) in \(text.debugDescription.prefix(60))")
            }
        }
    }

    private func isScalarBoundary(_ bytes: [UInt8], _ offset: Int) -> Bool {
        offset == bytes.count || bytes[offset] & 0xC0 != 0x80
    }
}
