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
    public var indexedChunks: Int { shards.reduce(0) { $0 + $1.count } }

    /// The `k` best chunks for each query (row-major `n * dimension` floats), searching every shard
    /// concurrently and merging. Best first; ties broken by smaller chunk id.
    public func searchChunks(_ queries: [Float], k: Int, options: SearchOptions = SearchOptions()) throws -> [[ChunkScore]] {
        let dimension = manifest.dimension
        precondition(queries.count % dimension == 0, "queries must be n * \(dimension) floats")
        let queryCount = queries.count / dimension
        guard queryCount > 0, k > 0 else { return Array(repeating: [], count: queryCount) }
        let results = ShardResults(count: shards.count)
        let shards = self.shards
        DispatchQueue.concurrentPerform(iterations: shards.count) { shard in
            let index = shards[shard]
            results.set(shard, Result { try index.search(queries, k: min(k, max(index.count, 1)), options: options) })
        }
        var merged = Array(repeating: [ChunkScore](), count: queryCount)
        for shard in shards.indices {
            let perQuery = try wrapIndex(shard, "search") { try results.get(shard) }
            for (query, hits) in perQuery.enumerated() where query < queryCount {
                merged[query] += hits.filter { $0.id >= 0 }.map { ChunkScore(id: $0.id, score: $0.score) }
            }
        }
        return merged.map { hits in
            Array(hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(k))
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
            for (row, id) in ids.enumerated() {
                var dot: Float = 0
                for c in 0..<dimension { dot += query[c] * flat[row * dimension + c] }
                scores.append(ChunkScore(id: id, score: dot))
            }
        }
        return scores.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }
}

/// Per-shard result slots, each written by exactly one concurrent worker.
private final class ShardResults: @unchecked Sendable {
    private var slots: [Result<[[(id: Int64, score: Float)]], any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
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
