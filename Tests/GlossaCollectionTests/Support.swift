// Test helpers: a deterministic bag-of-words encoder (an in-memory stand-in for the model),
// temporary folders, JSONL writers and a small synthetic corpus.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaLexical
import GlossaSearch
import GlossaStore

/// Hashing-trick bag of words: each lower-cased word adds ±weight to one of `dimension` components,
/// then the vector is L2-normalised. Tokens are words, with their UTF-8 byte ranges.
struct BagOfWordsEncoder: CollectionEncoder {
    var modelName = "bag-of-words"
    var dimension = 256
    var maxTokens = 512

    func tokenRanges(_ text: String) throws -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for (offset, byte) in text.utf8.enumerated() {
            let isWord = byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a)
            if isWord, start == nil { start = offset }
            if !isWord, let s = start { ranges.append(s..<offset); start = nil }
        }
        if let s = start { ranges.append(s..<text.utf8.count) }
        return ranges
    }

    /// The real analyzer; its "pieces" are the hashed words (there is no sentencepiece model here).
    var lexicalAnalyzer: any TermAnalyzer {
        LexicalAnalyzer(pieceSource: "bag-of-words") { text in
            let bytes = Array(text.utf8)
            return try tokenRanges(text).map { Int32(truncatingIfNeeded: StableHash.fnv1a(bytes[$0]) % 100_000) }
        }
    }

    func embed(_ texts: [String], kind: TextKind) throws -> [[Float]] {
        try texts.map { text in
            let full = kind.apply(to: text)
            let bytes = Array(full.utf8)
            var vector = [Float](repeating: 0, count: dimension)
            for range in try tokenRanges(full) {
                let word = String(decoding: bytes[range], as: UTF8.self).lowercased()
                let hash = StableHash.fnv1a(word.utf8)
                // A per-word weight in [1, 2) keeps different documents from tying exactly.
                let weight = 1 + Float((hash >> 20) & 0xff) / 256
                vector[Int(hash % UInt64(dimension))] += (hash >> 40) & 1 == 0 ? weight : -weight
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm == 0 { vector[0] = 1; return vector }
            return vector.map { $0 / norm }
        }
    }
}

enum Fixture {
    /// A fresh temporary folder.
    static func folder(_ name: String = "t") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes JSON Lines documents and returns the path.
    static func jsonl(_ documents: [[String: Any]], in folder: URL, name: String = "docs.jsonl") throws -> String {
        let lines = try documents.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let path = folder.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let languages = ["en", "de", "fr", "es"]
    static let topics = ["a", "b", "c"]

    /// Document `i`: unique words `uniq{i}` and `tag{i}`, some shared filler, and metadata.
    static func document(_ i: Int, version: Int = 0, words: Int = 12) -> [String: Any] {
        var text = "uniq\(i) tag\(i) version\(version)"
        for w in 0..<words { text += " filler\((i * 7 + w) % 23)" }
        return [
            "id": "doc-\(i)", "title": "Title \(i)", "text": text,
            "metadata": ["lang": languages[i % languages.count], "topic": topics[i % topics.count], "n": i],
        ]
    }

    static func corpus(_ count: Int, version: Int = 0) -> [[String: Any]] {
        (0..<count).map { document($0, version: version) }
    }

    /// Opens (creating) a collection at `folder`.
    static func open(_ folder: URL, backend: any IndexBackend, encoder: BagOfWordsEncoder = BagOfWordsEncoder(),
                     settings: CollectionSettings = CollectionSettings(), writable: Bool = true) throws
        -> DocumentCollection
    {
        try DocumentCollection(folder: folder, model: (encoder.modelName, encoder.dimension), create: settings,
                               writable: writable, backend: backend, analyzer: encoder.lexicalAnalyzer)
    }
}

/// The backends every behaviour test runs on (GRDB's "same body on every store mode").
enum Backends {
    static let all: [(name: String, backend: any IndexBackend)] = [("exact", ExactBackend()), ("faiss", FaissBackend())]
}
