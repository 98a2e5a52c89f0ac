// Chunk-level search: all shards searched concurrently, results merged by score (ties by id, so
// that sharded and unsharded flat indexes return the same list), and exact scoring of a candidate
// set from the stored vectors (used for filtered search).
import Foundation
import GlossaStore

/// A chunk and its inner-product score.
public struct ChunkScore: Sendable, Equatable {
    public var id: Int64
    public var score: Float
    public init(id: Int64, score: Float) {
        self.id = id
        self.score = score
    }
}

extension DocumentCollection {
    /// Total chunks across the loaded shards.
    public var indexedChunks: Int { shardLock.reading { shards.reduce(0) { $0 + $1.count } } }

    /// The `k` best chunks for each query (row-major `n * dimension` floats), searching every shard
    /// concurrently and merging. Best first; ties broken by smaller chunk id.
    ///
    /// Every candidate is re-scored from its stored vector with one fixed dot-product loop, so a
    /// chunk's score never depends on how the index blocked its computation (sharded flat equals
    /// unsharded flat exactly), ids the database no longer holds are dropped, and approximate
    /// encodings (SQ, PQ) are re-ranked by exact scores. Each shard is asked for
    /// `backend.candidateCount(k)` candidates: `k + 8` for exact-score indexes, so that rounding near the
    /// k-th score cannot change which chunks are returned, more for SQ8 and PQ (see IndexSpec.candidateCount).
    public func searchChunks(_ queries: [Float], k: Int, options: SearchOptions = SearchOptions()) throws -> [[ChunkScore]] {
        let dimension = manifest.dimension
        precondition(queries.count % dimension == 0, "queries must be n * \(dimension) floats")
        let queryCount = queries.count / dimension
        guard queryCount > 0, k > 0 else { return Array(repeating: [], count: queryCount) }
        let fetch = max(k, options.candidates ?? backend.candidateCount(indexType: manifest.indexType, k: k))
        // The nprobe `rebuild --recall-target` chose, unless the caller gives one.
        let options = SearchOptions(nprobe: options.nprobe ?? manifest.nprobe, efSearch: options.efSearch)
        // Held while the indexes are searched: a writer changes an index only under the exclusive lock.
        let results = shardLock.reading { () -> ShardResults in
            let shards = self.shards
            let results = ShardResults(count: shards.count)
            DispatchQueue.concurrentPerform(iterations: shards.count) { shard in
                let index = shards[shard]
                results.set(shard, Result { try index.search(queries, k: min(fetch, max(index.count, 1)), options: options) })
            }
            return results
        }
        var candidates = Array(repeating: [Int64](), count: queryCount)
        for shard in 0..<results.count {
            let perQuery = try wrapIndex(shard, "search") { try results.get(shard) }
            for (query, hits) in perQuery.enumerated() where query < queryCount {
                candidates[query] += hits.lazy.filter { $0.id >= 0 }.map(\.id)
            }
        }
        let (ids, flat) = try store.vectors(ids: Array(Set(candidates.joined())), dimension: dimension)
        let row = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return queries.withUnsafeBufferPointer { q in
            flat.withUnsafeBufferPointer { v in
                candidates.enumerated().map { query, chunkIDs in
                    // An id in two shards (a damaged collection) is scored once.
                    var seen = Set<Int64>()
                    let scored = chunkIDs.compactMap { id -> ChunkScore? in
                        guard seen.insert(id).inserted, let r = row[id] else { return nil }
                        return ChunkScore(id: id, score: Self.dot(q, query * dimension, v, r * dimension, dimension))
                    }
                    return Array(Self.ranked(scored).prefix(k))
                }
            }
        }
    }

    /// Exact inner products of `query` with the stored vectors of `candidates`, best first (ties by id).
    public func exactScores(_ query: [Float], candidates: [Int64]) throws -> [ChunkScore] {
        let dimension = manifest.dimension
        var scores: [ChunkScore] = []
        scores.reserveCapacity(candidates.count)
        for start in stride(from: 0, to: candidates.count, by: 4_096) {
            let slice = Array(candidates[start..<min(start + 4_096, candidates.count)])
            let (ids, flat) = try store.vectors(ids: slice, dimension: dimension)
            query.withUnsafeBufferPointer { q in
                flat.withUnsafeBufferPointer { v in
                    for (row, id) in ids.enumerated() {
                        scores.append(ChunkScore(id: id, score: Self.dot(q, 0, v, row * dimension, dimension)))
                    }
                }
            }
        }
        return Self.ranked(scores)
    }

    /// Best first, ties by smaller id.
    static func ranked(_ scores: [ChunkScore]) -> [ChunkScore] {
        scores.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }

    /// The one dot product every reported score comes from: a fixed left-to-right loop, so equal
    /// inputs give bit-identical scores on every path (index search, filtered exact search).
    static func dot(_ a: UnsafeBufferPointer<Float>, _ aStart: Int, _ b: UnsafeBufferPointer<Float>, _ bStart: Int,
                    _ count: Int) -> Float {
        var sum: Float = 0
        for c in 0..<count { sum += a[aStart + c] * b[bStart + c] }
        return sum
    }
}

/// Per-shard result slots, each written by exactly one concurrent worker.
private final class ShardResults: @unchecked Sendable {
    private var slots: [Result<[[(id: Int64, score: Float)]], any Error>?]
    private let lock = NSLock()
    let count: Int
    init(count: Int) {
        self.count = count
        slots = Array(repeating: nil, count: count)
    }
    func set(_ index: Int, _ value: Result<[[(id: Int64, score: Float)]], any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }
    func get(_ index: Int) throws -> [[(id: Int64, score: Float)]] {
        lock.lock()
        defer { lock.unlock() }
        return try slots[index]?.get() ?? []
    }
}
