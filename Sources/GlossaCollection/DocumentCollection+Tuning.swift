// `rebuild --recall-target`: measure recall@k of the collection's own search (index + exact re-scoring)
// against exact search on a sample of stored vectors, pick the smallest nprobe that reaches the target, and
// record it in the manifest so that every later search uses it.
import Foundation
import GlossaIndex
import GlossaStore

/// What `tuneNProbe` measured.
public struct TuningReport: Sendable, CustomStringConvertible {
    /// The nprobe chosen (recorded in the manifest), and its measured recall@k.
    public var nprobe: Int
    public var recall: Double
    public var target: Double
    public var queries: Int
    public var k: Int
    /// Every (nprobe, recall) tried, in order.
    public var tried: [(nprobe: Int, recall: Double)]

    public var description: String {
        let steps = tried.map { String(format: "%d→%.4f", $0.nprobe, $0.recall) }.joined(separator: ", ")
        return String(format: "nprobe %d: recall@%d %.4f ≥ %.3f on %d stored vectors as queries (tried %@)",
                      nprobe, k, recall, target, queries, steps)
    }
}

extension DocumentCollection {
    /// Picks the smallest nprobe whose recall@k reaches `target` and records it (see file comment).
    ///
    /// Queries: `sampleSize` stored vectors, evenly strided over every shard; each query's own chunk is left
    /// out of both its results and its ground truth, which is exact top-k over every stored vector (Glossa's
    /// sgemm kernel, streamed page by page from SQLite, so no second copy of the collection is held). nprobe
    /// is doubled until the target is met, then bisected. Throws `invalidOption` unless the index is IVF.
    public func tuneNProbe(target: Double, sampleSize: Int = 1_000, k: Int = 10) throws -> TuningReport {
        guard (0.0...1.0).contains(target) else {
            throw IngestError.invalidOption(name: "--recall-target", value: "\(target)", reason: "must be in 0...1")
        }
        let lists = shardLock.reading { shards.compactMap(\.listCount).max() }
        guard let lists else {
            throw IngestError.invalidOption(name: "--recall-target", value: "\(target)",
                                            reason: "the index type \(manifest.indexType) has no nprobe to tune")
        }
        let (queryIDs, queries) = try sampleVectors(count: sampleSize)
        guard !queryIDs.isEmpty else {
            throw IngestError.invalidOption(name: "--recall-target", value: "\(target)", reason: "the collection is empty")
        }
        let truth = try exactNeighbours(queries, excluding: queryIDs, k: k)
        func recall(_ nprobe: Int) throws -> Double {
            let found = try searchChunks(queries, k: k + 1, options: SearchOptions(nprobe: nprobe))
            var hits = 0, total = 0
            for (q, results) in found.enumerated() {
                let ids = Set(results.lazy.filter { $0.id != queryIDs[q] }.prefix(k).map(\.id))
                hits += truth[q].filter(ids.contains).count
                total += truth[q].count
            }
            return total == 0 ? 1 : Double(hits) / Double(total)
        }
        var tried: [(nprobe: Int, recall: Double)] = []
        var low = 0
        var high = 1
        while true {
            let r = try recall(high)
            tried.append((high, r))
            if r >= target || high >= lists { break }
            low = high
            high = min(lists, high * 2)
        }
        // Bisect (low, high]: recall(low) < target ≤ recall(high) (or high = nlist, the best there is).
        var best = tried.last ?? (high, 0)
        while high - low > 1, best.recall >= target {
            let middle = (low + high) / 2
            let r = try recall(middle)
            tried.append((middle, r))
            if r >= target {
                high = middle
                best = (middle, r)
            } else {
                low = middle
            }
        }
        try store.setTunedNProbe(best.nprobe)
        manifest.nprobe = best.nprobe
        return TuningReport(nprobe: best.nprobe, recall: best.recall, target: target, queries: queryIDs.count, k: k,
                            tried: tried)
    }

    /// About `count` stored vectors, strided evenly over every shard: their chunk ids and (n, dimension) floats.
    private func sampleVectors(count: Int) throws -> (ids: [Int64], vectors: [Float]) {
        let dimension = manifest.dimension
        let total = try store.counts().chunks
        let step = max(1, total / max(1, count))
        var ids: [Int64] = []
        var vectors: [Float] = []
        var row = 0
        for shard in 0..<manifest.shardCount {
            try store.forEachVectorPage(shard: shard, dimension: dimension) { pageIDs, flat in
                for i in pageIDs.indices {
                    if row % step == 0, ids.count < count {
                        ids.append(pageIDs[i])
                        vectors += flat[i * dimension..<(i + 1) * dimension]
                    }
                    row += 1
                }
            }
        }
        return (ids, vectors)
    }

    /// Exact top-k chunk ids of each query over every stored vector, leaving out the query's own chunk.
    private func exactNeighbours(_ queries: [Float], excluding own: [Int64], k: Int) throws -> [[Int64]] {
        let dimension = manifest.dimension
        var best = Array(repeating: [(id: Int64, score: Float)](), count: own.count)
        for shard in 0..<manifest.shardCount {
            try store.forEachVectorPage(shard: shard, dimension: dimension, pageSize: 65_536) { ids, flat in
                let page = try flat.withUnsafeBufferPointer {
                    try VectorIndex.exactSearch(queries, base: $0, dimension: dimension, k: k + 1)
                }
                for (q, hits) in page.enumerated() {
                    let merged = best[q] + hits.map { (id: ids[$0.row], score: $0.score) }.filter { $0.id != own[q] }
                    best[q] = Array(merged.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(k))
                }
            }
        }
        return best.map { $0.map(\.id) }
    }
}
