// The terms a lexical analyzer makes of a text, and the small protocol the store depends on to make
// them (STYLE.md rule 5): GlossaStore writes and deletes terms without knowing how they are made,
// GlossaLexical makes them, GlossaCollection and GlossaSearch pass one to the other.

/// The lexical terms of one text, one list per FTS5 column, in text order with repeats (term frequency
/// counts). Every term is non-empty and holds no ASCII character other than letters and digits, so the
/// store's FTS5 tokenizer (`ascii`) reads each one back as exactly one token.
public struct LexicalTerms: Sendable, Equatable {
    /// Unicode words after NFKC and case folding, combining marks kept inside them; one term per symbol
    /// (emoji). Han and kana runs are not words here (they are in `bigrams`).
    public var words: [String]
    /// Overlapping character bigrams of Han+kana runs and of Hangul runs; a run of one character is
    /// itself a term (a unigram).
    public var bigrams: [String]
    /// The encoder's sentencepiece piece ids of the folded text, in decimal.
    public var pieces: [String]

    public init(words: [String] = [], bigrams: [String] = [], pieces: [String] = []) {
        self.words = words
        self.bigrams = bigrams
        self.pieces = pieces
    }

    /// True when no column has a term (empty or whitespace-only text, punctuation only).
    public var isEmpty: Bool { words.isEmpty && bigrams.isEmpty && pieces.isEmpty }
}

/// Turns text into `LexicalTerms`, the same way at index time and at query time.
///
/// Thread safety: conformers are `Sendable` and `terms(of:)` may be called from any thread.
public protocol TermAnalyzer: Sendable {
    /// Names the analyzer and everything its output depends on (version, piece vocabulary). The store
    /// records it beside the lexical index; an index made by another identity is rebuilt, never mixed.
    var identity: String { get }
    /// The terms of `text`. Throws only when the piece source (the tokenizer) fails.
    func terms(of text: String) throws -> LexicalTerms
}
