// Token ids must equal the reference (transformers 4.57.6 slow XLMRobertaTokenizer) id for id, on every
// golden text: the 79 texts of texts.jsonl (with "query: ") and the 159,493 texts of tokens-data (no prefix).
import Foundation
import GlossaCore
import GlossaTestSupport
import Testing

@testable import GlossaTokenizer

@Suite("Golden token parity", .enabled(if: TokenizerFixture.enabled))
struct GoldenParityTests {
    @Test("query ids equal texts.jsonl token_ids for every text, edge cases and truncated ones included")
    func goldenTexts() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let texts = try Golden.texts()
        try #require(texts.count == 79, "texts.jsonl should hold 79 texts, found \(texts.count)")
        var reports: [String] = []
        for golden in texts {
            let got = try tokenizer.encode(golden.text, kind: .query)
            if got != golden.token_ids {
                reports.append(
                    TokenizerFixture.mismatch(golden.id, text: golden.text, got: got, expected: golden.token_ids))
            }
        }
        #expect(
            reports.isEmpty,
            "\(reports.count) of \(texts.count) texts differ:\n\(reports.prefix(5).joined(separator: "\n"))")
    }

    @Test("truncated golden texts keep the first 510 content tokens")
    func truncatedTexts() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let truncated = try Golden.texts().filter { $0.tokens_full != nil }
        try #require(!truncated.isEmpty, "texts.jsonl should contain truncated texts")
        for golden in truncated {
            let content = try tokenizer.contentTokens(TextKind.query.apply(to: golden.text))
            // tokens_full counts <s> and </s>.
            #expect(content.count + 2 == golden.tokens_full, "\(golden.id): untruncated length")
            #expect(golden.token_ids.count == Tokenizer.maxLength, "\(golden.id): golden is cut at 512")
        }
    }

    @Test("unprefixed ids equal tokens-data.jsonl.gz for all 159,493 texts (ids or ids_alt)")
    func tokensData() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let lines = try TokenizerFixture.dataLines()
        try #require(lines.count == 159_493, "tokens-data.jsonl.gz should hold 159,493 lines, found \(lines.count)")
        let got = try tokenizer.encodeBatch(lines.map(\.text), kind: .none)
        var reports: [String] = []
        var mismatches = 0
        var altMatches = 0
        for (index, line) in lines.enumerated() {
            if got[index] == line.ids { continue }
            if let alt = line.idsAlt, got[index] == alt {
                altMatches += 1
                continue
            }
            mismatches += 1
            if reports.count < 5 {
                reports.append(
                    TokenizerFixture.mismatch("line \(index + 1)", text: line.text, got: got[index], expected: line.ids)
                )
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(lines.count) texts differ:\n\(reports.joined(separator: "\n"))")
        // The README documents exactly two exact-score ties; more alternates would mean a different normaliser.
        #expect(altMatches <= 2, "\(altMatches) texts matched only ids_alt")
    }
}
