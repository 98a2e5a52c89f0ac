// Glossa's one language-agnostic lexical analyzer, used at index and at query time: NFKC + case
// folding, then three term families from one pass over the scalars (see `LexicalTerms`): Unicode
// words with their combining marks, overlapping bigrams of Han/kana and Hangul runs (no dictionary,
// as CJK search engines have long done), and the encoder's own sentencepiece pieces, which segment
// Thai, Lao, Khmer and Burmese (and split long compounds elsewhere) without per-language set-up.
import Foundation
public import GlossaCore
public import GlossaTokenizer

/// The analyzer. Thread safety: immutable; `terms(of:)` may be called from any number of threads.
///
/// Normalisation: NFKC, then full Unicode case folding (`ß` → `ss`, final `ς` → `σ`), then NFKC again
/// (folding can leave a string unnormalised). Cost: linear in the text, plus one sentencepiece pass.
public struct LexicalAnalyzer: TermAnalyzer {
    /// Bumped whenever a change here would change any term; part of `identity`.
    public static let version = "glossa-lexical-1"

    public let identity: String
    private let pieceIDs: @Sendable (String) throws -> [Int32]

    /// An analyzer whose pieces are `tokenizer`'s sentencepiece ids (what the encoder sees).
    public init(tokenizer: Tokenizer) {
        self.init(pieceSource: "spm:\(tokenizer.vocabularySize)") { text in
            try tokenizer.contentTokens(text).map(\.id)
        }
    }

    /// An analyzer over any piece source; `pieceSource` names it in `identity`.
    public init(pieceSource: String, pieceIDs: @escaping @Sendable (String) throws -> [Int32]) {
        identity = Self.version + " " + pieceSource
        self.pieceIDs = pieceIDs
    }

    public func terms(of text: String) throws -> LexicalTerms {
        let folded = Self.fold(text)
        var terms = Self.wordsAndBigrams(folded)
        // Sentencepiece would turn whitespace-only text into nothing anyway; skip the call.
        if !(terms.words.isEmpty && terms.bigrams.isEmpty) {
            terms.pieces = try pieceIDs(folded).map { String($0) }
        }
        return terms
    }

    /// NFKC, full case folding, NFKC.
    public static func fold(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCompatibilityMapping
    }

    // MARK: - One pass over the scalars

    /// What a scalar contributes to.
    enum ScalarClass: Equatable {
        /// Letters, digits and marks outside CJK: part of a word.
        case word
        /// Han, hiragana, katakana: part of a Han+kana bigram run (Japanese mixes them in one run).
        case hanKana
        /// Hangul syllables and jamo: part of a Hangul run (bigrams) and of a word (Korean has spaces).
        case hangul
        /// An emoji or other symbol: a term of its own.
        case symbol
        /// Everything else (spaces, punctuation, ASCII symbols, controls, modifiers): ends a term.
        case separator
    }

    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        let value = scalar.value
        // ASCII first: the common case, and only letters and digits may reach a term (see LexicalTerms).
        if value < 0x80 {
            let byte = UInt8(value)
            return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a)
                ? .word : .separator
        }
        switch value {
        case 0x3005, 0x3007, 0x3021...0x3029, 0x3038...0x303B,  // 々 〇 Hangzhou numerals
            0x3040...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF,  // hiragana, katakana (ー inside)
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,  // Han ext. A, unified, compatibility
            0x20000...0x3134F:  // Han ext. B-G
            return .hanKana
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7AF, 0xD7B0...0xD7FF:
            return .hangul
        // Zero-width (non-)joiners sit inside Persian and Indic words.
        case 0x200C, 0x200D:
            return .word
        default:
            break
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return .word
        case .otherSymbol:
            return .symbol
        default:
            return .separator
        }
    }

    /// The words and bigrams of already folded text.
    static func wordsAndBigrams(_ folded: String) -> LexicalTerms {
        var terms = LexicalTerms()
        var word = String.UnicodeScalarView()
        var run: [Unicode.Scalar] = []
        var runClass = ScalarClass.separator
        func endWord() {
            if !word.isEmpty { terms.words.append(String(word)) }
            word = String.UnicodeScalarView()
        }
        func endRun() {
            if run.count == 1 {
                terms.bigrams.append(String(run[0]))
            } else if run.count > 1 {
                for i in 0..<(run.count - 1) {
                    var pair = String.UnicodeScalarView()
                    pair.append(run[i])
                    pair.append(run[i + 1])
                    terms.bigrams.append(String(pair))
                }
            }
            run.removeAll(keepingCapacity: true)
        }
        for scalar in folded.unicodeScalars {
            let kind = classify(scalar)
            // A combining mark after a Han, kana or Hangul character (a variation selector, a stray
            // voicing mark NFKC could not compose) is dropped: bigrams pair base characters. So is one
            // that starts no word (the variation selector after an emoji).
            if kind == .word, !run.isEmpty || word.isEmpty, scalar.properties.generalCategory.isMark { continue }
            switch kind {
            case .word:
                endRun()
                word.append(scalar)
            case .hanKana, .hangul:
                if runClass != kind { endRun() }
                run.append(scalar)
                // Han and kana never join a word; Hangul also builds the word it is part of.
                if kind == .hangul { word.append(scalar) } else { endWord() }
            case .symbol:
                endWord()
                endRun()
                terms.words.append(String(scalar))
            case .separator:
                // Variation selectors and emoji modifiers after a symbol go with the separators.
                endWord()
                endRun()
            }
            runClass = kind == .hanKana || kind == .hangul ? kind : .separator
        }
        endWord()
        endRun()
        return terms
    }
}

extension Unicode.GeneralCategory {
    /// Mn, Mc or Me.
    var isMark: Bool { self == .nonspacingMark || self == .spacingMark || self == .enclosingMark }
}
