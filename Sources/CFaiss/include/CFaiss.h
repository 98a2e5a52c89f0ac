// CFaiss: a flat C interface over Debian's static libfaiss.a (which ships no C API), owned by GlossaIndex.
// Opaque handle, int status (0 = success), thread-local last error; no C++ exception crosses this line
// (the pattern of faiss's own c_api/macros_impl.h). Also holds Glossa's exact inner-product kernel for flat
// indexes (one cblas_sgemm per block + a top-k heap), which beats Debian's non-AVX2 faiss flat search.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An owned faiss index (any factory result, possibly wrapped in IndexIDMap2). Free with glossa_faiss_free.
typedef struct glossa_faiss_index glossa_faiss_index;

/// Per-search knobs. A value <= 0 leaves the index's current setting unchanged.
typedef struct glossa_faiss_search_params {
    /// IVF: number of inverted lists visited.
    int32_t nprobe;
    /// HNSW: size of the dynamic candidate list.
    int32_t ef_search;
    /// Flat inner-product indexes: 1 = Glossa's kernel (the AVX-512 panel kernel for batches where the CPU has
    /// it, else sgemm + heap), 2 = Glossa's sgemm + heap path always, 0 = faiss's own IndexFlat search.
    int32_t exact_kernel;
    /// IVF-Flat inner-product indexes: 1 = Glossa's list scan (ivf_scan.cpp), 0 = faiss's own search.
    int32_t ivf_kernel;
} glossa_faiss_search_params;

/// The message of the last failed call on this thread ("" when none). Valid until the next call on this thread.
const char* glossa_faiss_last_error(void);

/// Builds an index with faiss::index_factory(d, factory, METRIC_INNER_PRODUCT); wraps it in IndexIDMap2 when
/// the result cannot take caller ids (Flat, HNSW, ...). On success *out owns the index.
int glossa_faiss_create(const char* factory, int64_t d, glossa_faiss_index** out);

/// Frees an index (NULL is allowed).
void glossa_faiss_free(glossa_faiss_index* index);

/// *out = 1 when the index needs no (more) training.
int glossa_faiss_is_trained(const glossa_faiss_index* index, int32_t* out);

/// Trains on n vectors x: (n, d) row-major.
int glossa_faiss_train(glossa_faiss_index* index, int64_t n, const float* x);

/// Adds n vectors x: (n, d) row-major with caller ids: (n).
int glossa_faiss_add_with_ids(glossa_faiss_index* index, int64_t n, const float* x, const int64_t* ids);

/// Removes the given ids (absent ids are ignored); *removed = how many vectors were removed.
int glossa_faiss_remove_ids(glossa_faiss_index* index, int64_t n, const int64_t* ids, int64_t* removed);

/// k nearest by inner product for n queries x: (n, d). scores, labels: (n, k), best first; missing -> label -1.
int glossa_faiss_search(
        glossa_faiss_index* index,
        int64_t n,
        const float* x,
        int64_t k,
        const glossa_faiss_search_params* params,
        float* scores,
        int64_t* labels);

/// glossa_faiss_search, and where the index keeps its vectors whole (flat inner product, Glossa's kernel) also
/// each hit's stored vector: vectors: (n, k, d), a slot without a hit left as it was. *copied = 1 when the
/// vectors were written, 0 when this index type does not keep them whole (then only the search ran), so
/// the caller can score hits from these exact copies instead of reading the vectors back from SQLite.
int glossa_faiss_search_with_vectors(
        glossa_faiss_index* index,
        int64_t n,
        const float* x,
        int64_t k,
        const glossa_faiss_search_params* params,
        float* scores,
        int64_t* labels,
        float* vectors,
        int32_t* copied);

/// The naive twin of Glossa's IVF-Flat scan (for parity tests): the same coarse lists, one query at a time,
/// scalar dot products. nprobe <= 0 uses the default. Fails unless the index is IVF-Flat with inner product.
int glossa_faiss_search_ivf_naive(
        glossa_faiss_index* index,
        int64_t n,
        const float* x,
        int64_t k,
        int32_t nprobe,
        float* scores,
        int64_t* labels);

/// The lists Glossa's IVF scan visits for each query: probes: (n, nprobe), best first (IVF-Flat IP only).
int glossa_faiss_ivf_probes(glossa_faiss_index* index, int64_t n, const float* x, int32_t nprobe, int64_t* probes);

/// IVF: *nlist = number of inverted lists and *nprobe = the nprobe a search uses when none is given;
/// both 0 for other index types.
int glossa_faiss_ivf_lists(const glossa_faiss_index* index, int64_t* nlist, int64_t* default_nprobe);

/// Bytes the index holds in memory: vectors or codes, ids, id maps, centroids and codebooks (structural
/// count; index types it does not know, e.g. HNSW, are measured as their serialised size).
int glossa_faiss_memory_bytes(const glossa_faiss_index* index, int64_t* out);

/// Glossa's exact inner-product kernel on a caller's buffer: xb: (nb, d), xq: (nq, d); scores, labels: (nq, k)
/// best first, labels are row numbers in xb (-1 beyond nb).
int glossa_exact_search(
        const float* xb,
        int64_t nb,
        int64_t d,
        const float* xq,
        int64_t nq,
        int64_t k,
        float* scores,
        int64_t* labels);

/// Number of stored vectors.
int glossa_faiss_ntotal(const glossa_faiss_index* index, int64_t* out);

/// Vector dimension.
int glossa_faiss_dimension(const glossa_faiss_index* index, int64_t* out);

/// Writes the index to path with faiss::write_index (the caller handles temp-then-rename).
int glossa_faiss_write(const glossa_faiss_index* index, const char* path);

/// Reads an index written by glossa_faiss_write; a corrupt or truncated file is an error status, not a crash.
int glossa_faiss_read(const char* path, glossa_faiss_index** out);

/// Copies the stored vector with caller id `id` into out: (d). Works for IDMap2-wrapped indexes.
int glossa_faiss_reconstruct(const glossa_faiss_index* index, int64_t id, float* out);

/// omp_set_num_threads for faiss's OpenMP loops and the thread count of Glossa's IVF scan (process-wide).
void glossa_faiss_set_omp_threads(int32_t n);

/// openblas_set_num_threads when the loaded BLAS is OpenBLAS (found at run time); returns 0 when it is not.
int32_t glossa_faiss_set_blas_threads(int32_t n);

/// openblas_get_num_threads, or -1 when the loaded BLAS is not OpenBLAS.
int32_t glossa_faiss_blas_threads(void);

/// OpenBLAS's kernel table name ("SkylakeX", ...) after CFaiss's load-time repair of OpenBLAS 0.3.21's
/// Prescott fallback on CPUs it does not know; "" when the BLAS is not OpenBLAS.
const char* glossa_faiss_blas_core(void);

#ifdef __cplusplus
}
#endif
