// Splits special-token literals (`<s>`, `</s>`, `<unk>`, `<pad>`, `<mask>`) out of a text the way the slow
// transformers tokenizer does (PreTrainedTokenizer.tokenize: added-tokens trie split, then AddedToken
// lstrip/rstrip), so that a literal "<mask>" typed by a user becomes the mask id and not "<", "mask", ">".

/// A literal the slow XLM-R tokenizer treats as an added token.
struct SpecialLiteral: Sendable {
    /// ASCII bytes of the literal, e.g. `<mask>`.
    let bytes: [UInt8]
    /// Model id it maps to.
    let id: Int32
    /// AddedToken.lstrip: whitespace directly to the literal's left is removed (true only for `<mask>`).
    let stripsLeft: Bool
}

/// A piece of the input: a run of ordinary text (encoded by sentencepiece on its own, so it gets its own
/// dummy prefix) or one special literal.
enum Segment: Equatable {
    case text(Range<Int>)
    case special(id: Int32, range: Range<Int>)
}

enum SpecialLiterals {
    /// Splits `bytes` at every literal, leftmost first. The trie in transformers matches the longest word
    /// first; with these five literals no literal is a substring of another and two matches cannot
    /// overlap (each has a single `<` at its start and a single `>` at its end), so a leftmost scan finds
    /// the same cuts. Then applies `stripsLeft` and drops empty text runs (transformers skips "" segments).
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, literals: [SpecialLiteral]) -> [Segment] {
        var segments: [Segment] = []
        var textStart = 0
        var i = 0
        while i < bytes.count {
            // Every literal starts with "<"; skip everything else cheaply.
            guard bytes[i] == UInt8(ascii: "<"), let literal = literals.first(where: { matches($0, bytes, at: i) })
            else {
                i += 1
                continue
            }
            if textStart < i { segments.append(.text(textStart..<i)) }
            if literal.stripsLeft, let last = segments.last, case .text(let range) = last {
                // left.rstrip() in Python: strips str.isspace() characters, not only ASCII spaces.
                let end = trailingWhitespaceStart(bytes, range)
                segments.removeLast()
                if range.lowerBound < end { segments.append(.text(range.lowerBound..<end)) }
            }
            segments.append(.special(id: literal.id, range: i..<(i + literal.bytes.count)))
            i += literal.bytes.count
            textStart = i
        }
        if textStart < bytes.count { segments.append(.text(textStart..<bytes.count)) }
        return segments
    }

    private static func matches(_ literal: SpecialLiteral, _ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + literal.bytes.count <= bytes.count else { return false }
        for k in literal.bytes.indices where bytes[i + k] != literal.bytes[k] { return false }
        return true
    }

    /// The offset where the trailing run of Python-whitespace scalars of `bytes[range]` begins.
    /// The bytes are valid UTF-8 (they come from a Swift String), so stepping back over continuation
    /// bytes always lands on a scalar start.
    static func trailingWhitespaceStart(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var end = range.upperBound
        while end > range.lowerBound {
            var start = end - 1
            while start > range.lowerBound, bytes[start] & 0xC0 == 0x80 { start -= 1 }
            guard isPythonWhitespace(decodeScalar(bytes, start..<end)) else { break }
            end = start
        }
        return end
    }

    /// Decodes the one UTF-8 scalar in `bytes[range]` (1 to 4 bytes).
    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32 {
        let lead = UInt32(bytes[range.lowerBound])
        let count = range.count
        var value: UInt32
        switch count {
        case 1: return lead
        case 2: value = lead & 0x1F
        case 3: value = lead & 0x0F
        default: value = lead & 0x07
        }
        for k in (range.lowerBound + 1)..<range.upperBound { value = (value << 6) | UInt32(bytes[k] & 0x3F) }
        return value
    }

    /// CPython's `str.isspace()`: bidirectional class WS, B or S, or general category Zs (Unicode 15).
    static func isPythonWhitespace(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
