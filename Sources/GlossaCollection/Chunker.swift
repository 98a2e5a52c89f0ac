// Cutting documents into overlapping token windows on token boundaries, and the stable hashes
// that decide a document's shard and detect unchanged content.

/// Splits texts into token windows and slices the original UTF-8 bytes back out.
public struct Chunker: Sendable {
    /// Window length in content tokens, and how many tokens consecutive windows share.
    public let windowTokens: Int
    public let overlapTokens: Int

    /// - Throws: `IngestError.invalidOption` unless `0 <= overlap < window`.
    public init(windowTokens: Int, overlapTokens: Int) throws {
        guard windowTokens >= 8 else {
            throw IngestError.invalidOption(name: "--chunk-tokens", value: "\(windowTokens)", reason: "must be at least 8")
        }
        guard overlapTokens >= 0, overlapTokens < windowTokens else {
            throw IngestError.invalidOption(
                name: "--chunk-overlap", value: "\(overlapTokens)", reason: "must be >= 0 and below --chunk-tokens")
        }
        self.windowTokens = windowTokens
        self.overlapTokens = overlapTokens
    }

    /// UTF-8 byte ranges of the chunks of a text whose content tokens cover `tokens`.
    ///
    /// A text of at most `window` tokens is one chunk covering the whole text (`0..<byteCount`).
    /// Longer texts give windows of `window` tokens starting every `window - overlap` tokens; each
    /// chunk spans from its first token's first byte to its last token's last byte. The last window
    /// ends at the last token. `window` may be lowered per document (a long title uses tokens too).
    public func ranges(tokens: [Range<Int>], byteCount: Int, window: Int? = nil) -> [Range<Int>] {
        let window = max(min(window ?? windowTokens, windowTokens), overlapTokens + 1)
        guard tokens.count > window else { return [0..<byteCount] }
        let stride = window - overlapTokens
        var result: [Range<Int>] = []
        var first = 0
        while true {
            let last = min(first + window, tokens.count) - 1
            result.append(tokens[first].lowerBound..<tokens[last].upperBound)
            if last == tokens.count - 1 { break }
            first += stride
        }
        return result
    }
}

/// FNV-1a 64-bit over UTF-8 bytes: stable across processes and platforms (unlike Swift's `Hasher`).
public enum StableHash {
    public static func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The shard of a document: `fnv1a(utf8(externalID)) % shardCount`.
    public static func shard(of externalID: String, shardCount: Int) -> Int {
        Int(fnv1a(externalID.utf8) % UInt64(max(shardCount, 1)))
    }

    /// Hash of what gets embedded (title and text) as 32 hex digits: two FNV-1a passes with
    /// different seeds over `title \0 text`, plus the byte length, so that a change is never missed
    /// in practice.
    public static func contentHash(title: String?, text: String) -> String {
        var bytes = Array((title ?? "").utf8)
        bytes.append(title == nil ? 1 : 0)
        bytes.append(contentsOf: text.utf8)
        let first = fnv1a(bytes)
        let second = fnv1a(bytes, seed: 0x84222325cbf29ce4) ^ UInt64(bytes.count)
        return String(first, radix: 16).leftPadded(16) + String(second, radix: 16).leftPadded(16)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
