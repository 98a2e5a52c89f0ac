// libFuzzer target: arbitrary bytes through the real mE5 tokenizer and the chunker. Bytes that are not UTF-8
// go in with U+FFFD, as a lossy reader would give them. Checked: every id is in the vocabulary; token spans lie
// inside the text, in order, on character boundaries; encode() is <s> … </s> within 512; chunk ranges lie inside
// the text, start in order at the first token, end at the last, and each cuts valid UTF-8.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaTokenizer
import FuzzSupport

private let tokenizer: Tokenizer = {
    let folder = ProcessInfo.processInfo.environment["GLOSSA_MODEL"] ?? "Models/multilingual-e5-small"
    do { return try Tokenizer(modelPath: folder + "/sentencepiece.bpe.model") } catch {
        // The harness cannot run without the model: say so and stop before the first input.
        print("FuzzTokenizer: \(error) (set GLOSSA_MODEL to the model folder)")
        exit(2)
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    // First byte: chunk window and overlap, so small windows (many chunks) are explored too.
    let window = 8 + Int(bytes[0] & 0x1F)
    let overlap = Int(bytes[0] >> 5) % window
    let text = String(decoding: bytes[1...], as: UTF8.self)
    let utf8 = Array(text.utf8)
    let tokens: [Token]
    do { tokens = try tokenizer.contentTokens(text) } catch {
        preconditionFailure("contentTokens threw on \(utf8.count) bytes: \(error)")
    }
    var previous = 0..<0
    for token in tokens {
        precondition(token.id >= 0 && Int(token.id) < tokenizer.vocabularySize, "id \(token.id) out of range")
        let span = token.utf8Range
        precondition(span.lowerBound >= 0 && span.upperBound <= utf8.count, "span \(span) outside the text")
        precondition(
            span.lowerBound >= previous.lowerBound && span.upperBound >= previous.upperBound,
            "span \(span) before \(previous)")
        precondition(String(validating: utf8[span], as: UTF8.self) != nil, "span \(span) cuts a character")
        previous = span
    }
    for kind in [TextKind.query, .passage] {
        do {
            let ids = try tokenizer.encode(text, kind: kind)
            precondition(ids.first == Tokenizer.bosID && ids.last == Tokenizer.eosID, "no <s> … </s>")
            precondition(ids.count >= 2 && ids.count <= Tokenizer.maxLength, "\(ids.count) ids")
        } catch {
            preconditionFailure("encode threw: \(error)")
        }
    }
    let chunker: Chunker
    do { chunker = try Chunker(windowTokens: window, overlapTokens: overlap) } catch {
        preconditionFailure("a valid window \(window)/\(overlap) was refused: \(error)")
    }
    let ranges = chunker.ranges(tokens: tokens.map(\.utf8Range), byteCount: utf8.count)
    precondition(!ranges.isEmpty, "no chunk")
    if tokens.count <= window {
        precondition(ranges == [0..<utf8.count], "a short text is not one whole chunk")
        return 0
    }
    precondition(ranges.first?.lowerBound == tokens.first?.utf8Range.lowerBound, "the first chunk starts late")
    precondition(ranges.last?.upperBound == tokens.last?.utf8Range.upperBound, "the last chunk ends early")
    for (index, range) in ranges.enumerated() {
        precondition(range.lowerBound >= 0 && range.upperBound <= utf8.count, "chunk \(range) outside the text")
        precondition(String(validating: utf8[range], as: UTF8.self) != nil, "chunk \(range) cuts a character")
        if index > 0 {
            let before = ranges[index - 1]
            precondition(range.lowerBound >= before.lowerBound, "chunks out of order")
            // Consecutive windows share `overlap` tokens, or touch when there is no overlap: nothing is skipped
            // except the bytes between two tokens.
            precondition(overlap == 0 || range.lowerBound <= before.upperBound, "overlapping windows do not overlap")
        }
    }
    return 0
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzTokenizer_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Load the sentencepiece model before the driver's clock starts: loaded lazily by the first input, it took
    // over the 10 s per-input timeout on a loaded machine under ASan.
    _ = tokenizer.vocabularySize
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
