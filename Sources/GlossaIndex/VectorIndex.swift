// VectorIndex: the Swift owner of CFaiss. A FAISS index (flat, IVF, HNSW or any factory string) with
// caller-chosen Int64 ids, inner product on normalised vectors, file round trip, and typed errors.
// No faiss type or raw pointer leaves this file.
internal import CFaiss
import Foundation

/// A vector index over FAISS, searched by inner product (cosine similarity for L2-normalised vectors).
///
/// Vectors cross the API flattened row by row: `n` vectors of `dimension` floats are one `[Float]` of
/// `n * dimension`. Ids are the caller's (e.g. chunk ids); flat and HNSW indexes are wrapped in faiss's
/// IndexIDMap2, IVF keeps ids in its lists.
///
/// Thread safety: every method takes an internal lock, so one instance may be shared across threads and tasks;
/// calls run one at a time (each search already spreads over the cores through OpenBLAS or OpenMP).
/// Errors: invalid input and faiss failures throw `IndexError`; nothing traps on user input or files.
public final class VectorIndex: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()

    /// Floats per vector; fixed for the life of the index.
    public let dimension: Int

    /// Creates an empty index of `spec` for about `expectedCount` vectors of `dimension` floats
    /// (`expectedCount` chooses IVF's list count, see `IndexSpec.factoryString(vectorCount:)`).
    public convenience init(spec: IndexSpec, dimension: Int, expectedCount: Int) throws(IndexError) {
        try self.init(factory: spec.factoryString(vectorCount: expectedCount, dimension: dimension), dimension: dimension)
    }

    /// Creates an empty index from a faiss `index_factory` string with the inner-product metric.
    public init(factory: String, dimension: Int) throws(IndexError) {
        guard dimension > 0 else {
            throw .invalidArgument(
                operation: "create index '\(factory)'", reason: "dimension \(dimension) must be ≥ 1")
        }
        var created: OpaquePointer?
        let status = glossa_faiss_create(factory, Int64(dimension), &created)
        guard status == 0, let created else {
            throw .faiss(operation: "index_factory(\"\(factory)\", d=\(dimension))", message: Self.lastError())
        }
        self.handle = created
        self.dimension = dimension
    }

    private init(handle: OpaquePointer, dimension: Int) {
        self.handle = handle
        self.dimension = dimension
    }

    deinit {
        glossa_faiss_free(handle)
    }

    /// Number of stored vectors.
    public var count: Int {
        lock.withLock {
            var total: Int64 = 0
            // ntotal cannot fail on a live handle; a failure would leave 0.
            _ = glossa_faiss_ntotal(handle, &total)
            return Int(total)
        }
    }

    /// Whether `train(_:)` must run before `add(_:ids:)` (IVF before its first training).
    public var needsTraining: Bool {
        lock.withLock {
            var trained: Int32 = 1
            _ = glossa_faiss_is_trained(handle, &trained)
            return trained == 0
        }
    }

    /// Trains the index (IVF: k-means of the list centroids) on `vectors`: (n, dimension) flattened.
    /// IVF needs n ≥ nlist; faiss warns below 39·nlist. Cost O(n · nlist · dimension · iterations).
    public func train(_ vectors: [Float]) throws(IndexError) {
        let n = try rows(of: vectors, operation: "train")
        try locked { () throws(IndexError) in
            let status = vectors.withUnsafeBufferPointer { glossa_faiss_train(handle, Int64(n), $0.baseAddress) }
            try check(status, operation: "train on \(n) vectors")
        }
    }

    /// Adds `vectors`: (n, dimension) flattened, with one id per vector. Ids should be unique (IDMap2 keeps
    /// a reverse map; a repeated id makes `vector(id:)` ambiguous).
    public func add(_ vectors: [Float], ids: [Int64]) throws(IndexError) {
        let n = try rows(of: vectors, operation: "add")
        guard ids.count == n else { throw .idCountMismatch(vectors: n, ids: ids.count) }
        guard n > 0 else { return }
        guard !needsTraining else { throw .notTrained(operation: "add") }
        try locked { () throws(IndexError) in
            let status = vectors.withUnsafeBufferPointer { v in
                ids.withUnsafeBufferPointer {
                    glossa_faiss_add_with_ids(handle, Int64(n), v.baseAddress, $0.baseAddress)
                }
            }
            try check(status, operation: "add_with_ids of \(n) vectors")
        }
    }

    /// Removes the vectors with these ids (absent ids are ignored) and returns how many were removed.
    /// Flat and IVF support removal; faiss's HNSW does not (throws `IndexError.faiss`; rebuild instead).
    public func remove(ids: [Int64]) throws(IndexError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return try locked { () throws(IndexError) -> Int in
            var removed: Int64 = 0
            let status = ids.withUnsafeBufferPointer {
                glossa_faiss_remove_ids(handle, Int64(ids.count), $0.baseAddress, &removed)
            }
            try check(status, operation: "remove_ids of \(ids.count) ids")
            return Int(removed)
        }
    }

    /// The `k` best stored vectors for each query in `queries`: (nq, dimension) flattened, best first.
    ///
    /// Returns nq lists of at most k `(id, score)` pairs (fewer when the index holds fewer than k vectors);
    /// score is the inner product. Flat indexes are exact; IVF/HNSW are approximate (see `SearchParameters`).
    /// Cost for flat: O(nq · count · dimension) in cblas_sgemm blocks.
    public func search(_ queries: [Float], k: Int, parameters: SearchParameters = .init()) throws(IndexError)
        -> [[(id: Int64, score: Float)]]
    {
        try search(queries, k: k, parameters: parameters, keepingVectors: false).hits
    }

    /// `search`, and when the index keeps its vectors whole (flat, Glossa's exact kernel) each hit's stored
    /// vector too: `vectors` holds them in hit order (query by query, best first), `dimension` floats each,
    /// the very floats that were added. nil `vectors`: this index type does not keep them (IVF, HNSW, SQ, PQ).
    public func searchKeepingVectors(_ queries: [Float], k: Int, parameters: SearchParameters = .init())
        throws(IndexError) -> (hits: [[(id: Int64, score: Float)]], vectors: [Float]?)
    {
        try search(queries, k: k, parameters: parameters, keepingVectors: true)
    }

    private func search(_ queries: [Float], k: Int, parameters: SearchParameters, keepingVectors: Bool)
        throws(IndexError) -> (hits: [[(id: Int64, score: Float)]], vectors: [Float]?)
    {
        let nq = try rows(of: queries, operation: "search")
        guard k >= 1 else { throw .invalidArgument(operation: "search", reason: "k = \(k) must be ≥ 1") }
        return try locked { () throws(IndexError) -> (hits: [[(id: Int64, score: Float)]], vectors: [Float]?) in
            var total: Int64 = 0
            _ = glossa_faiss_ntotal(handle, &total)
            // An empty index answers nothing; an empty IVF may also be untrained, which faiss would reject.
            guard nq > 0, total > 0 else { return (Array(repeating: [], count: nq), keepingVectors ? [] : nil) }
            // No slot beyond the stored count can hold a result.
            let kk = min(k, Int(total))
            var scores = [Float](repeating: 0, count: nq * kk)
            var labels = [Int64](repeating: -1, count: nq * kk)
            // Not zero-filled: an index that keeps no vectors (IVF, 27 MB for 1,000 queries at k 18) never touches
            // it, and a flat one writes every slot that holds a hit, the only slots read below.
            var vectors = [Float](unsafeUninitializedCapacity: keepingVectors ? nq * kk * dimension : 0) { _, count in
                count = keepingVectors ? nq * kk * dimension : 0
            }
            var copied: Int32 = 0
            var params = glossa_faiss_search_params(
                nprobe: Int32(clamping: parameters.nprobe ?? 0),
                ef_search: Int32(clamping: parameters.efSearch ?? max(SearchParameters.defaultEfSearch, kk)),
                exact_kernel: parameters.exactKernel.code,
                ivf_kernel: parameters.ivfKernel == .glossa ? 1 : 0)
            let status = queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    labels.withUnsafeMutableBufferPointer { l in
                        vectors.withUnsafeMutableBufferPointer { v in
                            keepingVectors
                                ? glossa_faiss_search_with_vectors(
                                    handle, Int64(nq), q.baseAddress, Int64(kk), &params, s.baseAddress, l.baseAddress,
                                    v.baseAddress, &copied)
                                : glossa_faiss_search(
                                    handle, Int64(nq), q.baseAddress, Int64(kk), &params, s.baseAddress, l.baseAddress)
                        }
                    }
                }
            }
            try check(status, operation: "search of \(nq) queries, k=\(kk)")
            let hits = (0..<nq).map { row in
                // faiss marks empty slots with id -1 (IVF lists visited held fewer than k vectors).
                (row * kk..<(row + 1) * kk).compactMap { labels[$0] < 0 ? nil : (id: labels[$0], score: scores[$0]) }
            }
            guard copied != 0 else { return (hits, nil) }
            // Flat fills every slot (kk <= total); were one empty, the vectors are packed to follow the hits.
            if labels.allSatisfy({ $0 >= 0 }) { return (hits, vectors) }
            var packed: [Float] = []
            for slot in labels.indices where labels[slot] >= 0 {
                packed += vectors[slot * dimension..<(slot + 1) * dimension]
            }
            return (hits, packed)
        }
    }

    /// The naive twin of Glossa's IVF-Flat scan, for parity tests: the same coarse lists as `search`, then one
    /// query at a time and a scalar dot product per stored vector. Throws unless the index is IVF-Flat.
    public func searchIVFNaive(_ queries: [Float], k: Int, nprobe: Int? = nil) throws(IndexError)
        -> [[(id: Int64, score: Float)]]
    {
        let nq = try rows(of: queries, operation: "searchIVFNaive")
        guard k >= 1 else { throw .invalidArgument(operation: "searchIVFNaive", reason: "k = \(k) must be ≥ 1") }
        return try locked { () throws(IndexError) -> [[(id: Int64, score: Float)]] in
            var scores = [Float](repeating: 0, count: nq * k)
            var labels = [Int64](repeating: -1, count: nq * k)
            let status = queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    labels.withUnsafeMutableBufferPointer { l in
                        glossa_faiss_search_ivf_naive(handle, Int64(nq), q.baseAddress, Int64(k),
                                                      Int32(clamping: nprobe ?? 0), s.baseAddress, l.baseAddress)
                    }
                }
            }
            try check(status, operation: "naive IVF search of \(nq) queries")
            return (0..<nq).map { row in
                (row * k..<(row + 1) * k).compactMap { labels[$0] < 0 ? nil : (id: labels[$0], score: scores[$0]) }
            }
        }
    }

    /// The inverted lists Glossa's IVF scan visits for each query, best centroid first: (nq) lists of nprobe.
    public func probedLists(_ queries: [Float], nprobe: Int) throws(IndexError) -> [[Int64]] {
        let nq = try rows(of: queries, operation: "probedLists")
        return try locked { () throws(IndexError) -> [[Int64]] in
            var probes = [Int64](repeating: -1, count: nq * nprobe)
            let status = queries.withUnsafeBufferPointer { q in
                probes.withUnsafeMutableBufferPointer {
                    glossa_faiss_ivf_probes(handle, Int64(nq), q.baseAddress, Int32(clamping: nprobe), $0.baseAddress)
                }
            }
            try check(status, operation: "coarse assignment of \(nq) queries")
            return (0..<nq).map { Array(probes[$0 * nprobe..<($0 + 1) * nprobe]) }
        }
    }

    /// IVF indexes: the number of inverted lists and the nprobe used when a search gives none; nil otherwise.
    public var invertedLists: (count: Int, defaultNProbe: Int)? {
        lock.withLock {
            var nlist: Int64 = 0
            var nprobe: Int64 = 0
            // Cannot fail on a live handle; 0 lists means "not IVF".
            _ = glossa_faiss_ivf_lists(handle, &nlist, &nprobe)
            return nlist > 0 ? (Int(nlist), Int(nprobe)) : nil
        }
    }

    /// Bytes the index holds in memory (vectors or codes, ids and id maps, centroids, codebooks); see
    /// `glossa_faiss_memory_bytes` for how each kind is counted.
    public func memoryBytes() throws(IndexError) -> Int64 {
        try locked { () throws(IndexError) -> Int64 in
            var bytes: Int64 = 0
            try check(glossa_faiss_memory_bytes(handle, &bytes), operation: "memory size")
            return bytes
        }
    }

    /// The stored vector with caller id `id` (flat and HNSW indexes, through IDMap2's reverse map).
    public func vector(id: Int64) throws(IndexError) -> [Float] {
        try locked { () throws(IndexError) -> [Float] in
            var out = [Float](repeating: 0, count: dimension)
            let status = out.withUnsafeMutableBufferPointer { glossa_faiss_reconstruct(handle, id, $0.baseAddress) }
            try check(status, operation: "reconstruct id \(id)")
            return out
        }
    }

    // MARK: - Files

    /// Writes the index to `path` in faiss's format: first to a temporary name beside it, then renamed into
    /// place, so a crash never leaves a half-written index under `path`.
    public func write(to path: String) throws(IndexError) {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try locked { () throws(IndexError) in
            guard glossa_faiss_write(handle, temporary) == 0 else {
                let message = Self.lastError()
                unlink(temporary)
                throw .writeFailed(path: path, message: message)
            }
        }
        guard rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw .writeFailed(path: path, message: "rename from \(temporary) failed: \(message)")
        }
    }

    /// Reads an index written by `write(to:)`. A missing, truncated or corrupt file throws
    /// `IndexError.corruptFile` naming `path` (faiss's parse errors and Glossa's structural checks), never traps.
    public static func read(from path: String) throws(IndexError) -> VectorIndex {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .corruptFile(path: path, message: "the file does not exist or is not readable")
        }
        var loaded: OpaquePointer?
        guard glossa_faiss_read(path, &loaded) == 0, let loaded else {
            throw .corruptFile(path: path, message: lastError())
        }
        var dimension: Int64 = 0
        _ = glossa_faiss_dimension(loaded, &dimension)
        return VectorIndex(handle: loaded, dimension: Int(dimension))
    }

    // MARK: - Helpers

    /// Runs `body` holding the lock, keeping its typed error (NSLock.withLock only rethrows `any Error`).
    private func locked<T>(_ body: () throws(IndexError) -> T) throws(IndexError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func rows(of vectors: [Float], operation: String) throws(IndexError) -> Int {
        guard vectors.count % dimension == 0 else {
            throw .dimensionMismatch(operation: operation, dimension: dimension, floatCount: vectors.count)
        }
        return vectors.count / dimension
    }

    private func check(_ status: Int32, operation: String) throws(IndexError) {
        if status != 0 { throw .faiss(operation: operation, message: Self.lastError()) }
    }

    private static func lastError() -> String {
        String(cString: glossa_faiss_last_error())
    }
}

// MARK: - Threads

extension VectorIndex {
    /// Sets the threads of both pools a search can use, process-wide: faiss's OpenMP loops (IVF/HNSW scans)
    /// and OpenBLAS (Glossa's exact kernel, faiss's sgemm). OpenBLAS's setting is shared with GlossaKernels.
    public static func setThreadCount(_ count: Int) {
        let n = Int32(clamping: max(1, count))
        glossa_faiss_set_omp_threads(n)
        _ = glossa_faiss_set_blas_threads(n)
    }

    /// Exact top-k by inner product of `queries` (nq, dimension) against `base` (nb, dimension), both
    /// flattened, with Glossa's sgemm kernel and no index: per query at most k (row in base, score), best first.
    public static func exactSearch(_ queries: [Float], base: UnsafeBufferPointer<Float>, dimension: Int, k: Int)
        throws(IndexError) -> [[(row: Int, score: Float)]]
    {
        guard dimension > 0, k >= 1, queries.count % dimension == 0, base.count % dimension == 0 else {
            throw .invalidArgument(operation: "exactSearch", reason: "k ≥ 1 and whole \(dimension)-float rows needed")
        }
        let nq = queries.count / dimension, nb = base.count / dimension
        var scores = [Float](repeating: 0, count: nq * k)
        var labels = [Int64](repeating: -1, count: nq * k)
        let status = queries.withUnsafeBufferPointer { q in
            scores.withUnsafeMutableBufferPointer { s in
                labels.withUnsafeMutableBufferPointer { l in
                    glossa_exact_search(base.baseAddress, Int64(nb), Int64(dimension), q.baseAddress, Int64(nq),
                                        Int64(k), s.baseAddress, l.baseAddress)
                }
            }
        }
        guard status == 0 else { throw .faiss(operation: "exact search", message: String(cString: glossa_faiss_last_error())) }
        return (0..<nq).map { row in
            (row * k..<(row + 1) * k).compactMap { labels[$0] < 0 ? nil : (row: Int(labels[$0]), score: scores[$0]) }
        }
    }

    /// The OpenBLAS kernel set in use ("SkylakeX", "Haswell", ...; "" when the BLAS is not OpenBLAS).
    /// Debian's OpenBLAS 0.3.21 falls back to "Prescott" (SSE3, ~4x slower sgemm) on CPUs newer than it knows;
    /// CFaiss repairs that at load time for the whole process (set OPENBLAS_CORETYPE to override).
    public static var blasCore: String {
        String(cString: glossa_faiss_blas_core())
    }
}
