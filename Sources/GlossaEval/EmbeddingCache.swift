// Content-addressed embedding cache for evaluation runs: a list of texts embedded by one model is
// stored once under .cache/embeddings/<sha256>.f32, so re-running Tatoeba's 100 languages is fast.
// File layout: magic "GLEMBED1", UInt32 version, count, dimension (little endian), then Float32 rows.
import Foundation

/// Turns query texts into vectors. `identity` names the weights and the prefix convention, so a cache
/// keyed on it never hands out vectors from another model. Conformers: `EncoderEmbedder`, test fakes.
public protocol TextEmbedder: Sendable {
    /// A string that changes whenever the vectors for the same texts would change.
    var identity: String { get }
    /// Embeds `texts` as queries (`"query: "` prefix for mE5), one vector per text, in order.
    /// `progress(done, total)` may be called as batches finish.
    func embedQueries(_ texts: [String], progress: (_ done: Int, _ total: Int) -> Void) throws -> [[Float]]
}

/// A folder of `<sha256>.f32` files. Reads and writes are not synchronised between processes beyond
/// the atomic rename; two writers of the same key write the same bytes.
public struct EmbeddingCache: Sendable {
    public let folder: String
    static let magic = Array("GLEMBED1".utf8)
    static let version: UInt32 = 1

    /// A cache in `folder` (created on the first store).
    public init(folder: String) { self.folder = folder }

    /// The cache key of `texts` under `identity`: SHA-256 over the identity and the length-prefixed texts.
    public static func key(identity: String, texts: [String]) -> String {
        var hasher = SHA256()
        hasher.update("glossa-embeddings v1\n\(identity)\n")
        for text in texts {
            hasher.update("\(text.utf8.count):")
            hasher.update(text)
        }
        return hasher.finalize()
    }

    /// The file that holds (or would hold) `key`.
    public func path(for key: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent("\(key).f32").path
    }

    /// The cached vectors for `key`, or nil when absent. A present but damaged file (wrong magic,
    /// version or size) throws `EvalError.malformedDataset` naming it: delete the file to recompute.
    public func load(key: String, count: Int) throws -> [[Float]]? {
        let path = path(for: key)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EvalError.unreadable(path: path, reason: "\(error)")
        }
        let header = 8 + 12
        guard data.count >= header, Array(data.prefix(8)) == Self.magic else {
            throw EvalError.malformedDataset(path: path, reason: "not a Glossa embedding cache file; delete it")
        }
        let words = (0..<3).map { i in
            data.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8 + 4 * i, as: UInt32.self)) }
        }
        let (version, rows, dimension) = (words[0], Int(words[1]), Int(words[2]))
        guard version == Self.version, rows == count, data.count == header + rows * dimension * 4 else {
            throw EvalError.malformedDataset(
                path: path, reason: "version \(version), \(rows) rows of \(dimension) in \(data.count) bytes; delete it")
        }
        return data.withUnsafeBytes { raw in
            (0..<rows).map { row in
                (0..<dimension).map { column in
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(
                        fromByteOffset: header + 4 * (row * dimension + column), as: UInt32.self)))
                }
            }
        }
    }

    /// Stores `vectors` under `key` (temporary file, then rename).
    public func store(key: String, vectors: [[Float]]) throws {
        let dimension = vectors.first?.count ?? 0
        var data = Data(Self.magic)
        for word in [Self.version, UInt32(vectors.count), UInt32(dimension)] {
            withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) }
        }
        for vector in vectors {
            precondition(vector.count == dimension, "ragged embedding rows")
            for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        try BEIRFormat.writeAtomically(data, path: path(for: key))
    }

    /// Embeds `texts` through the cache: identical texts are embedded once (so they get bit-identical
    /// vectors), the unique list is looked up by key, and only a miss calls the embedder.
    public func embed(_ texts: [String], with embedder: any TextEmbedder,
                      progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [[Float]] {
        let (unique, positions) = Self.deduplicate(texts)
        let key = Self.key(identity: embedder.identity, texts: unique)
        let vectors: [[Float]]
        if let cached = try load(key: key, count: unique.count) {
            vectors = cached
        } else {
            vectors = try embedder.embedQueries(unique, progress: progress)
            guard vectors.count == unique.count else {
                throw EvalError.mismatch(what: "embeddings returned", expected: unique.count, actual: vectors.count)
            }
            try store(key: key, vectors: vectors)
        }
        return positions.map { vectors[$0] }
    }

    /// The distinct texts in first-seen order (compared by UTF-8 bytes) and each input's index into them.
    static func deduplicate(_ texts: [String]) -> (unique: [String], positions: [Int]) {
        var index: [[UInt8]: Int] = [:]
        var unique: [String] = []
        let positions = texts.map { text in
            let key = Array(text.utf8)
            if let existing = index[key] { return existing }
            index[key] = unique.count
            unique.append(text)
            return unique.count - 1
        }
        return (unique, positions)
    }
}
