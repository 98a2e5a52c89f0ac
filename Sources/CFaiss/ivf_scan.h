// Glossa's IVF-Flat search (internal to CFaiss): coarse assignment with the exact kernel, then the selected
// inverted lists scanned list by list, every query that probes a list sharing that list's pass through
// memory, with hand-vectorised dot-product tiles (AVX-512 / AVX2+FMA, chosen at run time). Debian's
// libfaiss scans lists with pre-AVX2 code; this replaces only the scan, faiss still trains and assigns.
#pragma once

#include <cstdint>

namespace faiss {
struct IndexIVF;
}

namespace glossa {

/// The threads a scan may use (set with glossa_faiss_set_omp_threads; default: the hardware's).
void set_scan_threads(int n);

/// The threads a scan uses: the count set above, else the hardware's.
int scan_thread_count();

/// True when `index` is an IndexIVFFlat with inner product whose quantizer is a flat IP index, i.e. when
/// ivf_flat_search applies.
bool ivf_flat_scan_applies(const faiss::IndexIVF* index);

/// k best by inner product for nq queries xq: (nq, d), visiting the nprobe lists whose centroids score
/// highest for each query. scores, labels: (nq, k), best first; missing slots: label -1, score -FLT_MAX.
/// Labels are the ids stored in the lists.
void ivf_flat_search(
        const faiss::IndexIVF* index,
        const float* xq,
        int64_t nq,
        int64_t k,
        int64_t nprobe,
        float* scores,
        int64_t* labels);

/// The naive twin of ivf_flat_search, for parity tests: the same coarse lists (given in probes:
/// (nq, nprobe), -1 = none), one query at a time, a plain scalar dot product per stored vector.
void ivf_flat_search_naive(
        const faiss::IndexIVF* index,
        const float* xq,
        int64_t nq,
        int64_t k,
        int64_t nprobe,
        const int64_t* probes,
        float* scores,
        int64_t* labels);

/// The coarse assignment ivf_flat_search uses: probes: (nq, nprobe) list numbers, best first.
void ivf_coarse_assign(const faiss::IndexIVF* index, const float* xq, int64_t nq, int64_t nprobe, int64_t* probes);

} // namespace glossa
