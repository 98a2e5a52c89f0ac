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
    /// unsharded flat exactly), and approximate encodings (SQ, PQ) are re-ranked by exact scores. Each
    /// shard is asked for `backend.candidateCount(k)` candidates: `k + 8` for exact-score indexes, so that
    /// rounding near the k-th score cannot change which chunks are returned, more for SQ8 and PQ (see
    /// IndexSpec.candidateCount).
    ///
    /// The stored vectors come from the index itself where it keeps them whole (flat) and holds what SQLite
    /// holds; otherwise, and while a write of this process has reached SQLite but not yet the indexes,
    /// from SQLite, which then also drops ids the database no longer holds. (Reading 18,000 vectors back from
    /// SQLite cost ~100 ms a batch of 1,000 queries at 100k chunks, a quarter of flat search's time.) A
    /// collection opened by another process than its writer keeps the indexes it loaded; their ids of chunks
    /// since deleted or replaced find no owner in SQLite, and the searcher skips them.
    public func searchChunks(_ queries: [Float], k: Int, options: SearchOptions = SearchOptions()) throws -> [[ChunkScore]] {
        let dimension = manifest.dimension
        precondition(queries.count % dimension == 0, "queries must be n * \(dimension) floats")
        let queryCount = queries.count / dimension
        guard queryCount > 0, k > 0 else { return Array(repeating: [], count: queryCount) }
        let fetch = max(k, options.candidates ?? backend.candidateCount(indexType: manifest.indexType, k: k))
        // The nprobe `rebuild --recall-target` chose, unless the caller gives one.
        let options = SearchOptions(nprobe: options.nprobe ?? manifest.nprobe, efSearch: options.efSearch)
        let indexesHoldStore = indexesMatchStore
        // Held while the indexes are searched: a writer changes an index only under the exclusive lock.
        let results = shardLock.reading { () -> ShardResults in
            let shards = self.shards
            let results = ShardResults(count: shards.count)
            DispatchQueue.concurrentPerform(iterations: shards.count) { shard in
                let index = shards[shard]
                let kk = min(fetch, max(index.count, 1))
                results.set(shard, Result {
                    indexesHoldStore
                        ? try index.searchKeepingVectors(queries, k: kk, options: options)
                        : (try index.search(queries, k: kk, options: options), nil)
                })
            }
            return results
        }
        // Where each candidate's vector is: (source, row); source 0 is SQLite, 1 + s shard s's copies.
        var candidates = Array(repeating: [Int64](), count: queryCount)
        var sources: [[Float]] = [[]]
        var location: [Int64: (source: Int, row: Int)] = [:]
        var fromStore: [Int64] = []
        for shard in 0..<results.count {
            let (perQuery, vectors) = try wrapIndex(shard, "search") { try results.get(shard) }
            if let vectors { sources.append(vectors) }
            var row = 0
            for (query, hits) in perQuery.enumerated() where query < queryCount {
                for hit in hits {
                    defer { row += 1 }
                    guard hit.id >= 0 else { continue }
                    candidates[query].append(hit.id)
                    guard location[hit.id] == nil else { continue }
                    if vectors != nil {
                        location[hit.id] = (sources.count - 1, row)
                    } else {
                        location[hit.id] = (0, -1)
                        fromStore.append(hit.id)
                    }
                }
            }
        }
        if !fromStore.isEmpty {
            let (ids, flat) = try store.vectors(ids: fromStore, dimension: dimension)
            // Ids SQLite no longer holds keep row -1 and are dropped below.
            for (row, id) in ids.enumerated() { location[id] = (0, row) }
            sources[0] = flat
        }
        return queries.withUnsafeBufferPointer { q in
            candidates.enumerated().map { query, chunkIDs in
                // An id in two shards (a damaged collection) is scored once.
                var seen = Set<Int64>()
                let scored = chunkIDs.compactMap { id -> ChunkScore? in
                    guard seen.insert(id).inserted, let (source, row) = location[id], row >= 0 else { return nil }
                    return sources[source].withUnsafeBufferPointer { v in
                        ChunkScore(id: id, score: Self.dot(q, query * dimension, v, row * dimension, dimension))
                    }
                }
                return Array(Self.ranked(scored).prefix(k))
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
    typealias Slot = (hits: [[(id: Int64, score: Float)]], vectors: [Float]?)
    private var slots: [Result<Slot, any Error>?]
    private let lock = NSLock()
    let count: Int
    init(count: Int) {
        self.count = count
        slots = Array(repeating: nil, count: count)
    }
    func set(_ index: Int, _ value: Result<Slot, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }
    func get(_ index: Int) throws -> Slot {
        lock.lock()
        defer { lock.unlock() }
        return try slots[index]?.get() ?? ([], nil)
    }
}
