// The lexical analyzer on every script family, with the real mE5 sentencepiece model for the pieces:
// exact words and bigrams for hand-checked texts, pieces where words cannot segment (Thai), the term
// alphabet the FTS5 `ascii` tokenizer relies on, and empty input.
import Foundation
import GlossaCore
import GlossaTestSupport
import GlossaTokenizer
import Testing

@testable import GlossaLexical

enum AnalyzerFixture {
    /// One analyzer over the real tokenizer for every test (loading 250k pieces takes about a second).
    private static let loaded = Result { () throws -> LexicalAnalyzer in
        let path = TestLocations.modelFolder.appendingPathComponent("sentencepiece.bpe.model").path
        return LexicalAnalyzer(tokenizer: try Tokenizer(modelPath: path))
    }

    static func analyzer() throws -> LexicalAnalyzer { try loaded.get() }
}

@Suite(.enabled(if: TestLocations.modelTestsEnabled))
struct AnalyzerTests {
    /// (script family, text, expected words, expected bigrams).
    static let cases: [(String, String, [String], [String])] = [
        ("Latin with diacritics", "Café Crème à la STRAßE", ["café", "crème", "à", "la", "strasse"], []),
        // A decomposed é (e + U+0301) is the same term as the precomposed one.
        ("Latin, combining accent", "Cafe\u{301} naïve", ["café", "naïve"], []),
        ("Cyrillic", "Москва ЁЛКА, 1147 г.", ["москва", "ёлка", "1147", "г"], []),
        // Full case folding: capital and final sigma both fold to σ.
        ("Greek", "ΣΟΦΊΑ σοφία Οδυσσεύς", ["σοφία", "σοφία", "οδυσσεύσ"], []),
        // Harakat (combining marks) stay inside the word.
        ("Arabic", "مَرْحَبًا بالعالم", ["مَرْحَبًا", "بالعالم"], []),
        // Vowel signs and the virama stay inside the word (Python's \w would split "हिन्दी").
        ("Devanagari", "हिन्दी भाषा", ["हिन्दी", "भाषा"], []),
        ("Han", "東京都に住む", [], ["東京", "京都", "都に", "に住", "住む"]),
        ("kana", "ひらがな カタカナ", [], ["ひら", "らが", "がな", "カタ", "タカ", "カナ"]),
        ("Hangul", "한국어 사전", ["한국어", "사전"], ["한국", "국어", "사전"]),
        ("mixed CJK and ASCII identifiers", "iPhone15を買った GPT-4o模型", ["iphone15", "gpt", "4o"],
         ["を買", "買っ", "った", "模型"]),
        ("a lone Han character", "山", [], ["山"]),
        ("emoji", "I ❤️ 🚀s", ["i", "❤", "🚀", "s"], []),
        ("full-width forms (NFKC)", "ＡＢＣ１２３", ["abc123"], []),
    ]

    @Test("words and bigrams of every script family", arguments: cases.indices)
    func scriptFamily(_ index: Int) throws {
        let (family, text, words, bigrams) = Self.cases[index]
        let terms = try AnalyzerFixture.analyzer().terms(of: text)
        #expect(terms.words == words, "\(family): \(text)")
        #expect(terms.bigrams == bigrams, "\(family): \(text)")
        #expect(!terms.pieces.isEmpty, "\(family): no sentencepiece pieces")
    }

    @Test("Thai has no word boundaries: one 'word', but several sentencepiece pieces")
    func thai() throws {
        let analyzer = try AnalyzerFixture.analyzer()
        let terms = try analyzer.terms(of: "ภาษาไทยเป็นภาษาราชการ")
        #expect(terms.words.count == 1)
        #expect(terms.bigrams.isEmpty)
        #expect(terms.pieces.count >= 4, "\(terms.pieces)")
        // The query "ภาษา" shares a piece with the text although no word matches.
        let query = try analyzer.terms(of: "ภาษา")
        #expect(!Set(query.pieces).isDisjoint(with: terms.pieces))
        #expect(Set(query.words).isDisjoint(with: terms.words))
    }

    @Test("empty and whitespace-only text has no terms", arguments: ["", " ", "\n\t  \u{3000}", "-- !! ..."])
    func empty(_ text: String) throws {
        #expect(try AnalyzerFixture.analyzer().terms(of: text).isEmpty)
    }

    @Test("every term is letters, digits or non-ASCII, so FTS5's ascii tokenizer keeps it whole")
    func termAlphabet() throws {
        let analyzer = try AnalyzerFixture.analyzer()
        let texts = Self.cases.map(\.1) + ["snake_case max-length \"quoted\" (x OR y) col:term NEAR* ^a", "C++ & C#"]
        for text in texts {
            let terms = try analyzer.terms(of: text)
            for term in terms.words + terms.bigrams + terms.pieces {
                #expect(!term.isEmpty)
                let bad = term.unicodeScalars.filter { $0.isASCII && !($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
                #expect(bad.isEmpty, "term '\(term)' of '\(text)' has \(bad.map { String($0) })")
            }
        }
    }

    @Test("the identity names the version and the piece vocabulary")
    func identity() throws {
        let identity = try AnalyzerFixture.analyzer().identity
        #expect(identity == LexicalAnalyzer.version + " spm:250002")
    }
}
