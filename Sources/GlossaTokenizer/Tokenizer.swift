// The mE5 / XLM-R tokenizer: sentencepiece through CSentencePiece with the semantics of transformers'
// SLOW XLMRobertaTokenizer (fairseq id offset, special-token literals, <s> … </s>, right truncation).
// Every caller goes through `encode`, which applies the TextKind prefix in exactly one place.
import Foundation
public import GlossaCore

/// Turns text into XLM-R model ids, exactly as transformers 4.57 `XLMRobertaTokenizer` (slow) does.
///
/// Ids: `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3, a normal sentencepiece piece gets its spm id + 1
/// (fairseq offset), sentencepiece's `<unk>` becomes 3, and `<mask>` = spm piece count + 1 (250001).
/// Literal `<s>`, `</s>`, `<unk>`, `<pad>` and `<mask>` in the text become their special ids; `<mask>`
/// also eats the whitespace to its left (AddedToken lstrip). Text between literals is encoded by
/// sentencepiece one run at a time, so each run gets its own dummy prefix.
///
/// Thread safety: immutable after `init`; every method can be called from any number of threads.
/// Reference: transformers `tokenization_xlm_roberta.py` and `tokenization_utils.py` (`tokenize`).
public final class Tokenizer: Sendable {
    /// The longest input mE5 accepts, `<s>` and `</s>` included.
    public static let maxLength = 512
    /// `<s>`, the first id of every encoding (fairseq numbering).
    public static let bosID: Int32 = 0
    /// `<pad>`, used by the encoder to pad batches.
    public static let padID: Int32 = 1
    /// `</s>`, the last id of every encoding.
    public static let eosID: Int32 = 2
    /// `<unk>`, for text sentencepiece has no piece for.
    public static let unknownID: Int32 = 3

    /// `<mask>`: sentencepiece piece count + fairseq offset (250001 for mE5).
    public let maskID: Int32
    /// Number of ids the tokenizer can produce (`maskID + 1`); the model's embedding table may be larger.
    public let vocabularySize: Int
    /// The sentencepiece file this tokenizer was loaded from.
    public let modelPath: String

    private let model: SentencePieceModel
    private let literals: [SpecialLiteral]

    /// Loads `sentencepiece.bpe.model` (or any XLM-R-layout spm file) from `modelPath`.
    ///
    /// Throws `TokenizerError.modelNotFound` when the file is missing, `.modelUnreadable` when
    /// libsentencepiece rejects it, `.unexpectedLayout` when `<unk>`, `<s>`, `</s>` are not spm ids 0, 1, 2.
    public init(modelPath: String) throws(TokenizerError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelPath, isDirectory: &isDirectory), !isDirectory.boolValue
        else { throw .modelNotFound(path: modelPath) }
        model = try SentencePieceModel(path: modelPath)
        self.modelPath = modelPath
        // fairseq: "<mask>" is appended after the spm pieces, which are shifted by one.
        maskID = model.pieceCount + 1
        vocabularySize = Int(maskID) + 1
        // The slow tokenizer's added tokens: only <mask> is created with lstrip=True.
        literals = [
            SpecialLiteral(bytes: Array("<s>".utf8), id: Self.bosID, stripsLeft: false),
            SpecialLiteral(bytes: Array("<pad>".utf8), id: Self.padID, stripsLeft: false),
            SpecialLiteral(bytes: Array("</s>".utf8), id: Self.eosID, stripsLeft: false),
            SpecialLiteral(bytes: Array("<unk>".utf8), id: Self.unknownID, stripsLeft: false),
            SpecialLiteral(bytes: Array("<mask>".utf8), id: maskID, stripsLeft: true),
        ]
    }

    /// Model input ids for `kind.apply(to: text)`: `<s>`, content cut to `maxLength - 2`, `</s>`.
    ///
    /// Truncation keeps the head (transformers `truncation=True`, right side). Throws
    /// `TokenizerError.invalidMaxLength` when `maxLength < 3`. Cost is linear in the text's length.
    public func encode(_ text: String, kind: TextKind, maxLength: Int = Tokenizer.maxLength) throws(TokenizerError)
        -> [Int32]
    {
        guard maxLength >= 3 else { throw .invalidMaxLength(maxLength) }
        let content = try contentTokens(kind.apply(to: text))
        var ids: [Int32] = []
        ids.reserveCapacity(min(content.count, maxLength - 2) + 2)
        ids.append(Self.bosID)
        for token in content.prefix(maxLength - 2) { ids.append(token.id) }
        ids.append(Self.eosID)
        return ids
    }

    /// `encode(_:kind:)` for every text, in order, spread over the machine's cores.
    ///
    /// Throws the error of the lowest-index text that failed.
    public func encodeBatch(_ texts: [String], kind: TextKind) throws(TokenizerError) -> [[Int32]] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count))
        let results = BatchSlots(count: texts.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // Strided so that a run of long texts is shared between workers.
            for index in stride(from: worker, to: texts.count, by: workers) {
                results.store(index, Result { () throws(TokenizerError) in try encode(texts[index], kind: kind) })
            }
        }
        return try results.collect()
    }

    /// The content tokens of `text` exactly as given: no prefix, no `<s>`/`</s>`, no truncation, each
    /// with the byte span it came from in `Array(text.utf8)`.
    ///
    /// `encode(text, kind:)` equals `[0] + contentTokens(kind.apply(to: text)).prefix(maxLength - 2).ids + [2]`.
    public func contentTokens(_ text: String) throws(TokenizerError) -> [Token] {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(TokenizerError) in try tokens(in: bytes) }
        }
        return try result.get()
    }

    private func tokens(in bytes: UnsafeBufferPointer<UInt8>) throws(TokenizerError) -> [Token] {
        guard bytes.count <= Int(UInt32.max) else { throw .textTooLong(bytes: bytes.count) }
        var tokens: [Token] = []
        for segment in SpecialLiterals.split(bytes, literals: literals) {
            switch segment {
            case .special(let id, let range):
                tokens.append(Token(id: id, utf8Range: range))
            case .text(let range):
                let run = UnsafeBufferPointer(rebasing: bytes[range])
                for piece in try model.encode(run, base: range.lowerBound) {
                    // fairseq offset: spm id + 1, except spm <unk> (0), which is model <unk> (3).
                    let id = piece.spmID == model.unknownID ? Self.unknownID : piece.spmID + 1
                    tokens.append(Token(id: id, utf8Range: piece.begin..<piece.end))
                }
            }
        }
        return tokens
    }
}

/// One result slot per text, written by exactly one worker each, read after all workers finish.
private final class BatchSlots: @unchecked Sendable {
    private var slots: [Result<[Int32], TokenizerError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ result: Result<[Int32], TokenizerError>) {
        // The lock is taken once per text; encoding costs far more than the lock.
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func collect() throws(TokenizerError) -> [[Int32]] {
        var ids: [[Int32]] = []
        ids.reserveCapacity(slots.count)
        for slot in slots {
            switch slot {
            case .success(let value): ids.append(value)
            case .failure(let error): throw error
            // Cannot happen: concurrentPerform returns only after every index was stored.
            case .none: throw .sentencepiece(operation: "encodeBatch", message: "a text was not encoded")
            }
        }
        return ids
    }
}
