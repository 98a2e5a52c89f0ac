// The real shard backend: GlossaIndex's VectorIndex (FAISS) behind the `ShardIndex` protocol.
import GlossaIndex

/// Shards are FAISS index files (`shard-000.faiss`), made from the collection's index type
/// (`flat`, `ivf[:nlist]`, `hnsw[:M]` or a factory string) via `IndexSpec`.
public struct FaissBackend: IndexBackend {
    public init() {}
    public var fileExtension: String { "faiss" }

    public func validate(indexType: String) throws {
        do {
            let spec = try IndexSpec(parsing: indexType)
            // A factory string is only known to be valid once faiss builds it.
            if case .factory = spec { _ = try VectorIndex(spec: spec, dimension: 8, expectedCount: 0) }
        } catch {
            throw IngestError.invalidOption(name: "--index-type", value: indexType, reason: "\(error)")
        }
    }

    public func make(indexType: String, dimension: Int, expectedCount: Int) throws -> any ShardIndex {
        let spec = try IndexSpec(parsing: indexType)
        return FaissShard(index: try VectorIndex(spec: spec, dimension: dimension, expectedCount: expectedCount))
    }

    public func read(path: String) throws -> any ShardIndex {
        FaissShard(index: try VectorIndex.read(from: path))
    }

    public func candidateCount(indexType: String, k: Int) -> Int {
        // A stored type was validated when it was recorded; an unparsable one would have failed on open.
        guard let spec = try? IndexSpec(parsing: indexType) else { return k + 8 }
        return spec.candidateCount(k: k)
    }
}

/// A `VectorIndex` seen as a shard (VectorIndex is internally locked, hence Sendable).
final class FaissShard: ShardIndex {
    let index: VectorIndex
    init(index: VectorIndex) { self.index = index }

    var count: Int { index.count }
    var isTrained: Bool { !index.needsTraining }
    func train(_ vectors: [Float]) throws { try index.train(vectors) }
    func add(_ vectors: [Float], ids: [Int64]) throws { try index.add(vectors, ids: ids) }
    func remove(ids: [Int64]) throws -> Int { try index.remove(ids: ids) }

    func search(_ queries: [Float], k: Int, options: SearchOptions) throws -> [[(id: Int64, score: Float)]] {
        try index.search(queries, k: k, parameters: SearchParameters(nprobe: options.nprobe, efSearch: options.efSearch))
    }

    func searchKeepingVectors(_ queries: [Float], k: Int, options: SearchOptions) throws
        -> (hits: [[(id: Int64, score: Float)]], vectors: [Float]?)
    {
        try index.searchKeepingVectors(
            queries, k: k, parameters: SearchParameters(nprobe: options.nprobe, efSearch: options.efSearch))
    }

    func write(to path: String) throws { try index.write(to: path) }
    func memoryBytes() throws -> Int64? { try index.memoryBytes() }
    var listCount: Int? { index.invertedLists?.count }
    // FAISS cannot list ids; verify checks membership through remove() on a copy or reconstruct.
    func storedIDs() throws -> [Int64]? { nil }

    func absentIDs(among candidates: [Int64]) throws -> [Int64]? {
        var absent: [Int64] = []
        for id in candidates {
            do { _ = try index.vector(id: id) } catch { absent.append(id) }
        }
        // Every id failing means this index type cannot reconstruct (IVF), not that all are absent.
        return !candidates.isEmpty && absent.count == candidates.count ? nil : absent
    }
}
