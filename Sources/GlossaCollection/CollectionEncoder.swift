// What a collection needs from a text encoder, as a small protocol (STYLE.md rule 5): the real
// GlossaEncoder.Encoder conforms in Encoder+Collection.swift; tests use a deterministic stand-in.
public import GlossaCore

/// A passage/query encoder as seen by ingestion and search.
public protocol CollectionEncoder: Sendable {
    /// The model's name, recorded in the manifest; a collection refuses another model.
    var modelName: String { get }
    /// Vector length.
    var dimension: Int { get }
    /// Maximum tokens per input including `<s>` and `</s>` (512 for mE5).
    var maxTokens: Int { get }
    /// Content tokens of `text` as byte ranges of `Array(text.utf8)`, in order, non-overlapping.
    func tokenRanges(_ text: String) throws -> [Range<Int>]
    /// The lexical analyzer whose sentencepiece pieces are this encoder's (GlossaLexical), used for the
    /// lexical index at ingest and for lexical queries.
    var lexicalAnalyzer: any TermAnalyzer { get }
    /// L2-normalised embeddings of `texts` with `kind`'s prefix applied: one `dimension`-vector per text.
    func embed(_ texts: [String], kind: TextKind) throws -> [[Float]]
}
