// The only Swift code that touches CSentencePiece: loads a model and encodes byte buffers into
// (sentencepiece id, byte span) pieces. Nothing from the C shim escapes this file.
import CSentencePiece

/// A piece straight from sentencepiece: its sentencepiece id (not yet fairseq-offset) and byte span.
struct RawPiece {
    let spmID: Int32
    let begin: Int
    let end: Int
}

/// Owns one `glossa_spm` handle.
///
/// Thread safety: `encode` may run on many threads at once, since libsentencepiece's `Encode` is
/// `const`, and the shim's last-error string is thread-local and read on the failing thread.
final class SentencePieceModel: @unchecked Sendable {
    private let handle: OpaquePointer
    let path: String
    let pieceCount: Int32
    let unknownID: Int32

    init(path: String) throws(TokenizerError) {
        var loaded: OpaquePointer?
        let status = glossa_spm_load(path, &loaded)
        guard status == 0, let loaded else {
            throw .modelUnreadable(path: path, message: Self.lastError())
        }
        handle = loaded
        self.path = path
        var count: Int32 = 0
        var unk: Int32 = 0
        var bos: Int32 = 0
        var eos: Int32 = 0
        var pad: Int32 = 0
        guard glossa_spm_piece_count(loaded, &count) == 0,
            glossa_spm_reserved_ids(loaded, &unk, &bos, &eos, &pad) == 0
        else {
            let message = Self.lastError()
            glossa_spm_free(loaded)
            throw .sentencepiece(operation: "reading the vocabulary of \(path)", message: message)
        }
        // The fairseq offset below is only right for XLM-R's spm layout.
        guard unk == 0, bos == 1, eos == 2 else {
            glossa_spm_free(loaded)
            throw .unexpectedLayout(
                path: path, reason: "expected <unk>=0 <s>=1 </s>=2, found <unk>=\(unk) <s>=\(bos) </s>=\(eos)")
        }
        pieceCount = count
        unknownID = unk
    }

    deinit { glossa_spm_free(handle) }

    /// Encodes `bytes` (UTF-8; sentencepiece's normaliser runs on it) into pieces whose spans are
    /// offsets into `bytes`, shifted by `base`.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, base: Int) throws(TokenizerError) -> [RawPiece] {
        var pieces: UnsafeMutablePointer<glossa_spm_piece>?
        var count = 0
        let status = bytes.withMemoryRebound(to: CChar.self) { chars in
            glossa_spm_encode(handle, chars.baseAddress, chars.count, &pieces, &count)
        }
        guard status == 0 else {
            throw .sentencepiece(operation: "encode (\(bytes.count) bytes)", message: Self.lastError())
        }
        defer { glossa_spm_pieces_free(pieces) }
        guard let pieces, count > 0 else { return [] }
        return (0..<count).map { i in
            RawPiece(spmID: pieces[i].id, begin: base + Int(pieces[i].begin), end: base + Int(pieces[i].end))
        }
    }

    /// The shim's thread-local message for the last failed call on this thread.
    private static func lastError() -> String {
        String(cString: glossa_spm_last_error())
    }
}
