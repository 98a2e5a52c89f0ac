// A content token with the bytes of the original text it came from, so callers can cut long documents
// into token windows and slice the original text back out.

/// One content token: its model id and the span of the original text's UTF-8 bytes it covers.
///
/// `utf8Range` indexes `Array(text.utf8)` (byte offsets, not Character offsets). Whitespace that
/// sentencepiece drops (leading, trailing, repeated) and characters its normaliser removes can fall
/// between two tokens' ranges; ranges never overlap and always increase. A special-token literal such
/// as `<mask>` covers exactly its literal bytes.
public struct Token: Sendable, Hashable {
    /// Model id (fairseq numbering: `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3, pieces from 4).
    public let id: Int32
    /// Byte offsets into the text's UTF-8 encoding, always on Unicode scalar boundaries.
    public let utf8Range: Range<Int>

    public init(id: Int32, utf8Range: Range<Int>) {
        self.id = id
        self.utf8Range = utf8Range
    }
}
