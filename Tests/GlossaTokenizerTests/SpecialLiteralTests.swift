// Special-token literals in user text follow the slow transformers tokenizer: they are cut out and mapped
// to their ids, each text run between them is encoded on its own, and only <mask> strips whitespace (as
// Python's str.rstrip does) on its left.
import Foundation
import GlossaCore
import GlossaTestSupport
import Testing

@testable import GlossaTokenizer

@Suite("Special-token literals", .enabled(if: TokenizerFixture.enabled))
struct SpecialLiteralTests {
    static let literals: [(String, Int32?)] = [
        ("<s>", Tokenizer.bosID), ("<pad>", Tokenizer.padID), ("</s>", Tokenizer.eosID),
        ("<unk>", Tokenizer.unknownID), ("<mask>", nil),
    ]
    static let lefts = ["", "a", "hello ", "x\u{3000}", "word\t\n", "zw\u{200B}", " "]
    static let rights = ["", "b", " world", "  spaced", "<s>"]

    @Test("mE5's <mask> is spm piece count + 1 = 250001")
    func maskID() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(tokenizer.maskID == 250_001)
        #expect(tokenizer.vocabularySize == 250_002)
    }

    @Test("left + literal + right encodes as the runs around the literal, each on its own")
    func composition() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for (literal, fixedID) in Self.literals {
            let id = fixedID ?? tokenizer.maskID
            for left in Self.lefts {
                for right in Self.rights {
                    let text = left + literal + right
                    let leftRun = literal == "<mask>" ? pythonRstrip(left) : left
                    let expected =
                        [Tokenizer.bosID] + (try ids(leftRun, tokenizer)) + [id] + (try ids(right, tokenizer))
                        + [Tokenizer.eosID]
                    #expect(try tokenizer.encode(text, kind: .none) == expected, "\(text.debugDescription)")
                }
            }
        }
    }

    @Test("the literal's span is exactly its bytes")
    func literalSpan() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let text = "héllo  <mask> wörld"
        let tokens = try tokenizer.contentTokens(text)
        let mask = try #require(tokens.first { $0.id == tokenizer.maskID })
        #expect(Array(text.utf8)[mask.utf8Range] == Array("<mask>".utf8)[...])
    }

    @Test("near-literals are ordinary text", arguments: ["<mas k>", "<S>", "< s>", "<s", "mask>", "＜ｓ＞", "<<s>>"])
    func nearLiterals(text: String) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let content = try tokenizer.contentTokens(text).map(\.id)
        let specials: Set<Int32> = [0, 1, 2, tokenizer.maskID]
        let literalCount = text.components(separatedBy: "<s>").count - 1
        #expect(content.filter { specials.contains($0) }.count == literalCount, "\(text)")
    }

    @Test("only the whitespace Python's str.isspace knows is stripped before <mask>")
    func pythonWhitespace() {
        let spaces: [UInt32] = [
            0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000,
        ]
        let nonSpaces: [UInt32] = [0x00, 0x08, 0x0E, 0x1B, 0x21, 0x84, 0x180E, 0x200B, 0x200D, 0x2060, 0xFEFF, 0x3001]
        #expect(spaces.allSatisfy(SpecialLiterals.isPythonWhitespace))
        #expect(!nonSpaces.contains(where: SpecialLiterals.isPythonWhitespace))
    }

    private func ids(_ text: String, _ tokenizer: Tokenizer) throws -> [Int32] {
        try tokenizer.contentTokens(text).map(\.id)
    }

    /// Python's str.rstrip() for the whitespace used in `lefts`.
    private func pythonRstrip(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        while let last = scalars.last, SpecialLiterals.isPythonWhitespace(last.value) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
