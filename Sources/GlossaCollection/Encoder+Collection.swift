// The real encoder (GlossaEncoder.Encoder) as a `CollectionEncoder`.
public import GlossaEncoder
public import GlossaCore
import GlossaTokenizer
import GlossaLexical

extension Encoder: CollectionEncoder {
    public var maxTokens: Int { maxSequenceLength }

    public func tokenRanges(_ text: String) throws -> [Range<Int>] {
        try tokenizer.contentTokens(text).map(\.utf8Range)
    }

    public var lexicalAnalyzer: any TermAnalyzer { LexicalAnalyzer(tokenizer: tokenizer) }

    public func embed(_ texts: [String], kind: TextKind) throws -> [[Float]] {
        try embed(texts, kind: kind, longTexts: .truncate, progress: nil)
    }
}
