// What a collection needs from a vector index, as small protocols: one `ShardIndex` per shard file,
// made and read by an `IndexBackend`. The FAISS backend (GlossaIndex) is the real one; `ExactBackend`
// is a plain-Swift exact inner-product index used as an oracle in tests.

/// Search-time knobs for approximate indexes; nil keeps the index's default.
public struct SearchOptions: Sendable, Equatable {
    /// IVF: inverted lists visited per query.
    public var nprobe: Int?
    /// HNSW: candidate list size.
    public var efSearch: Int?
    /// Candidates each shard returns for exact re-scoring; nil: the index type's own depth
    /// (IndexSpec.candidateCount). For measuring the recall/cost trade-off of compressed indexes.
    public var candidates: Int?

    public init(nprobe: Int? = nil, efSearch: Int? = nil, candidates: Int? = nil) {
        self.nprobe = nprobe
        self.efSearch = efSearch
        self.candidates = candidates
    }
}

/// One shard's vector index. Ids are chunk row ids; scores are inner products (cosine for
/// normalised vectors), best first. Instances are used from one task at a time, except `search`,
/// which may run concurrently on DIFFERENT shards.
public protocol ShardIndex: AnyObject, Sendable {
    /// Number of vectors stored.
    var count: Int { get }
    /// False for index types that must be trained before `add` (IVF) and have not been.
    var isTrained: Bool { get }
    /// Trains on `vectors` (row-major, `n * dimension` floats).
    func train(_ vectors: [Float]) throws
    /// Adds `ids.count` vectors (row-major) under the given ids.
    func add(_ vectors: [Float], ids: [Int64]) throws
    /// Removes the ids present; returns how many were removed.
    func remove(ids: [Int64]) throws -> Int
    /// The `k` best (id, score) per query, best first; fewer when the index holds fewer.
    func search(_ queries: [Float], k: Int, options: SearchOptions) throws -> [[(id: Int64, score: Float)]]
    /// `search`, with each hit's stored vector (hit order, `dimension` floats each) when the index keeps its
    /// vectors whole, so that hits can be scored exactly without reading the vectors back from SQLite;
    /// nil vectors when it does not (then the caller reads them from the store).
    func searchKeepingVectors(_ queries: [Float], k: Int, options: SearchOptions) throws
        -> (hits: [[(id: Int64, score: Float)]], vectors: [Float]?)
    /// Writes the index to `path` atomically (temporary name, then rename).
    func write(to path: String) throws
    /// Every stored id, or nil when this index type cannot list them.
    func storedIDs() throws -> [Int64]?
    /// The ids among `candidates` that the index does not hold, or nil when it cannot tell.
    func absentIDs(among candidates: [Int64]) throws -> [Int64]?
    /// Bytes the index holds in memory, or nil when unknown.
    func memoryBytes() throws -> Int64?
    /// IVF: the number of inverted lists (the largest meaningful nprobe); nil for other kinds.
    var listCount: Int? { get }
}

extension ShardIndex {
    public func searchKeepingVectors(_ queries: [Float], k: Int, options: SearchOptions) throws
        -> (hits: [[(id: Int64, score: Float)]], vectors: [Float]?)
    {
        (try search(queries, k: k, options: options), nil)
    }
    public func memoryBytes() throws -> Int64? { nil }
    public var listCount: Int? { nil }
}

/// Makes and reads shard indexes of one kind (FAISS, or the exact Swift oracle).
public protocol IndexBackend: Sendable {
    /// File extension of shard files (`faiss`, `exact`).
    var fileExtension: String { get }
    /// Checks an index type string (`flat`, `ivf`, `hnsw`, a factory string); throws with the reason.
    func validate(indexType: String) throws
    /// A new, empty index for `expectedCount` vectors of `dimension`.
    func make(indexType: String, dimension: Int, expectedCount: Int) throws -> any ShardIndex
    /// Reads a shard file written by `ShardIndex.write(to:)`.
    func read(path: String) throws -> any ShardIndex
    /// How many candidates to take from each shard for `k` results (they are re-scored exactly from the
    /// stored vectors, so compressed index types ask for more).
    func candidateCount(indexType: String, k: Int) -> Int
}

extension IndexBackend {
    public func candidateCount(indexType: String, k: Int) -> Int { k + 8 }
}
