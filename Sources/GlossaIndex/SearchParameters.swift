// SearchParameters: per-search knobs for VectorIndex.search (IVF nprobe, HNSW efSearch, which exact kernel).

/// Per-search settings. Each applies only to the index kind it names and is ignored by the others.
public struct SearchParameters: Sendable, Hashable {
    /// Which code path answers exact (flat) searches.
    public enum ExactKernel: Sendable, Hashable {
        /// Glossa's kernel in CFaiss (the default; faster than Debian's faiss and pip's): batches through the
        /// AVX-512 panel kernel where the CPU has it, one query (or a CPU without AVX-512) through OpenBLAS.
        case glossa
        /// Glossa's OpenBLAS path (blockwise cblas_sgemm or sgemv + top-k heap) for every search: what a CPU
        /// without AVX-512 runs, kept selectable so that tests check both paths on any machine.
        case glossaBLAS
        /// faiss's own IndexFlat search (kept for comparison in tests and benchmarks).
        case faiss
    }

    /// Which code path scans IVF-Flat inverted lists.
    public enum IVFKernel: Sendable, Hashable {
        /// Glossa's list scan in CFaiss (ivf_scan.cpp): queries grouped by list, AVX-512/AVX2 tiles, threads.
        case glossa
        /// faiss's own IndexIVF search (Debian's pre-AVX2 scanner; kept for comparison in tests and benchmarks).
        case faiss
    }

    /// IVF: how many inverted lists to visit; nil = max(8, nlist / 12), capped at nlist.
    public var nprobe: Int?
    /// HNSW: size of the candidate list; nil = `max(defaultEfSearch, k)`.
    public var efSearch: Int?
    /// Flat indexes: which kernel runs the exact search.
    public var exactKernel: ExactKernel
    /// IVF-Flat indexes: which kernel scans the lists (IVF-SQ8/PQ always use faiss's scanners).
    public var ivfKernel: IVFKernel

    /// HNSW's efSearch when none is given (faiss's own default, 16, loses recall on 384-d embeddings).
    public static let defaultEfSearch = 64

    public init(nprobe: Int? = nil, efSearch: Int? = nil, exactKernel: ExactKernel = .glossa,
                ivfKernel: IVFKernel = .glossa) {
        self.nprobe = nprobe
        self.efSearch = efSearch
        self.exactKernel = exactKernel
        self.ivfKernel = ivfKernel
    }
}

extension SearchParameters.ExactKernel {
    /// CFaiss's `exact_kernel` value for this kernel.
    var code: Int32 {
        switch self {
        case .faiss: 0
        case .glossa: 1
        case .glossaBLAS: 2
        }
    }
}
