// Glossa's IVF-Flat scan. Batch queries share list scans: the (query, list) pairs of the coarse assignment are
// grouped by list, and each list's vectors are streamed once per block of 4 queries through a register tile
// (4 queries x 4 vectors of AVX-512 FMAs, 4 x 2 with AVX2), so a list read from memory serves every query
// that probes it. Lists are shared out to threads (largest first); each thread keeps its own top-k heaps,
// merged at the end. The naive twin below is the specification the tiles are tested against.
#include "ivf_scan.h"

#include "exact_search.h"
#include "thread_heaps.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/Heap.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <numeric>
#include <thread>
#include <vector>

namespace glossa {

namespace {

std::atomic<int> scan_threads{0};

int thread_count() {
    const int set = scan_threads.load();
    if (set > 0) {
        return set;
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

// Below this many (query, stored vector) pairs a second thread costs more than it saves: a thread costs
// tens of microseconds to start and join, 8,192 pairs of 384 floats are ~12 MB streamed from memory. It was
// 2^18, which kept every single query on one thread; at 1M chunks (nprobe 333, ~83,000 vectors, 128 MB a
// query) two threads took the median from 16.6 to 9.5 ms, at 100k from 1.5-1.7 to 1.0-1.2 ms (scale.md).
constexpr int64_t kParallelWork = 1 << 13;
// Below this many queries the coarse assignment scans the centroids itself instead of calling sgemm/sgemv.
constexpr int64_t kCoarseGemmQueries = 8;

enum class Isa { scalar, avx2, avx512 };

Isa detect_isa() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        return Isa::avx512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return Isa::avx2;
    }
    return Isa::scalar;
}

const Isa isa = detect_isa();

// One query's running top-k: a faiss min-heap whose top (index 0) is the current k-th best.
inline void push(int64_t k, float* heap_scores, int64_t* heap_labels, float score, int64_t label) {
    if (score > heap_scores[0]) {
        faiss::minheap_replace_top(k, heap_scores, heap_labels, score, label);
    }
}

// MARK: - Tiles. q: Q query pointers (d floats each); x: X stored vectors, row-major with stride d;
// out: (Q, X) inner products.

template <int Q, int X>
__attribute__((target("avx512f"))) inline void tile_avx512(const float* const* q, const float* x, int64_t d, float* out) {
    __m512 acc[Q][X];
    for (int i = 0; i < Q; i++) {
        for (int j = 0; j < X; j++) {
            acc[i][j] = _mm512_setzero_ps();
        }
    }
    int64_t c = 0;
    for (; c + 16 <= d; c += 16) {
        __m512 xv[X];
        for (int j = 0; j < X; j++) {
            xv[j] = _mm512_loadu_ps(x + j * d + c);
        }
        for (int i = 0; i < Q; i++) {
            const __m512 qv = _mm512_loadu_ps(q[i] + c);
            for (int j = 0; j < X; j++) {
                acc[i][j] = _mm512_fmadd_ps(qv, xv[j], acc[i][j]);
            }
        }
    }
    if (c < d) {
        // The last d % 16 components through a masked load (zeros elsewhere).
        const __mmask16 mask = (__mmask16)((1u << (d - c)) - 1);
        __m512 xv[X];
        for (int j = 0; j < X; j++) {
            xv[j] = _mm512_maskz_loadu_ps(mask, x + j * d + c);
        }
        for (int i = 0; i < Q; i++) {
            const __m512 qv = _mm512_maskz_loadu_ps(mask, q[i] + c);
            for (int j = 0; j < X; j++) {
                acc[i][j] = _mm512_fmadd_ps(qv, xv[j], acc[i][j]);
            }
        }
    }
    for (int i = 0; i < Q; i++) {
        for (int j = 0; j < X; j++) {
            out[i * X + j] = _mm512_reduce_add_ps(acc[i][j]);
        }
    }
}

__attribute__((target("avx2,fma"))) inline float reduce_avx2(__m256 v) {
    const __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 sum2 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
    return _mm_cvtss_f32(_mm_add_ss(sum2, _mm_shuffle_ps(sum2, sum2, 1)));
}

template <int Q, int X>
__attribute__((target("avx2,fma"))) inline void tile_avx2(const float* const* q, const float* x, int64_t d, float* out) {
    __m256 acc[Q][X];
    for (int i = 0; i < Q; i++) {
        for (int j = 0; j < X; j++) {
            acc[i][j] = _mm256_setzero_ps();
        }
    }
    int64_t c = 0;
    for (; c + 8 <= d; c += 8) {
        __m256 xv[X];
        for (int j = 0; j < X; j++) {
            xv[j] = _mm256_loadu_ps(x + j * d + c);
        }
        for (int i = 0; i < Q; i++) {
            const __m256 qv = _mm256_loadu_ps(q[i] + c);
            for (int j = 0; j < X; j++) {
                acc[i][j] = _mm256_fmadd_ps(qv, xv[j], acc[i][j]);
            }
        }
    }
    for (int i = 0; i < Q; i++) {
        for (int j = 0; j < X; j++) {
            float sum = reduce_avx2(acc[i][j]);
            // The last d % 8 components, scalar.
            for (int64_t r = c; r < d; r++) {
                sum += q[i][r] * x[j * d + r];
            }
            out[i * X + j] = sum;
        }
    }
}

template <int Q, int X>
inline void tile_scalar(const float* const* q, const float* x, int64_t d, float* out) {
    for (int i = 0; i < Q; i++) {
        for (int j = 0; j < X; j++) {
            float sum = 0;
            for (int64_t c = 0; c < d; c++) {
                sum += q[i][c] * x[j * d + c];
            }
            out[i * X + j] = sum;
        }
    }
}

// MARK: - One list against a block of Q queries.

// Scans n stored vectors (codes: (n, d), ids: (n)) for Q queries and pushes into their heaps.
#define GLOSSA_SCAN_BLOCK(NAME, TILE, XW, ATTR)                                                                  \
    template <int Q>                                                                                             \
    ATTR void NAME(const float* const* q, float* const* heap_scores, int64_t* const* heap_labels, int64_t k,       \
                   const float* codes, const int64_t* ids, int64_t n, int64_t d) {                               \
        float out[Q * XW];                                                                                       \
        int64_t j = 0;                                                                                           \
        for (; j + XW <= n; j += XW) {                                                                           \
            TILE<Q, XW>(q, codes + j * d, d, out);                                                               \
            for (int i = 0; i < Q; i++) {                                                                        \
                for (int t = 0; t < XW; t++) {                                                                   \
                    push(k, heap_scores[i], heap_labels[i], out[i * XW + t], ids[j + t]);                        \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        for (; j < n; j++) {                                                                                     \
            TILE<Q, 1>(q, codes + j * d, d, out);                                                                \
            for (int i = 0; i < Q; i++) {                                                                        \
                push(k, heap_scores[i], heap_labels[i], out[i], ids[j]);                                         \
            }                                                                                                    \
        }                                                                                                        \
    }

GLOSSA_SCAN_BLOCK(scan_block_avx512, tile_avx512, 4, __attribute__((target("avx512f"))))
GLOSSA_SCAN_BLOCK(scan_block_avx2, tile_avx2, 2, __attribute__((target("avx2,fma"))))
GLOSSA_SCAN_BLOCK(scan_block_scalar, tile_scalar, 2, )

// Scans one list for `count` queries (query rows `rows` of xq), 4 at a time.
void scan_list(const float* xq, const int32_t* rows, int64_t count, const float* codes, const int64_t* ids,
               int64_t n, int64_t d, int64_t k, float* heap_scores, int64_t* heap_labels) {
    for (int64_t b = 0; b < count; b += 4) {
        const int q = (int)std::min<int64_t>(4, count - b);
        const float* qp[4];
        float* hs[4];
        int64_t* hl[4];
        for (int i = 0; i < q; i++) {
            qp[i] = xq + (int64_t)rows[b + i] * d;
            hs[i] = heap_scores + (int64_t)rows[b + i] * k;
            hl[i] = heap_labels + (int64_t)rows[b + i] * k;
        }
#define GLOSSA_DISPATCH(FN)                        \
    switch (q) {                                   \
    case 1: FN<1>(qp, hs, hl, k, codes, ids, n, d); break; \
    case 2: FN<2>(qp, hs, hl, k, codes, ids, n, d); break; \
    case 3: FN<3>(qp, hs, hl, k, codes, ids, n, d); break; \
    default: FN<4>(qp, hs, hl, k, codes, ids, n, d); break; \
    }
        if (isa == Isa::avx512) {
            GLOSSA_DISPATCH(scan_block_avx512)
        } else if (isa == Isa::avx2) {
            GLOSSA_DISPATCH(scan_block_avx2)
        } else {
            GLOSSA_DISPATCH(scan_block_scalar)
        }
#undef GLOSSA_DISPATCH
    }
}

const faiss::IndexFlat* flat_quantizer(const faiss::IndexIVF* index) {
    auto quantizer = dynamic_cast<const faiss::IndexFlat*>(index->quantizer);
    return quantizer != nullptr && quantizer->metric_type == faiss::METRIC_INNER_PRODUCT ? quantizer : nullptr;
}

void init_heaps(int64_t nq, int64_t k, float* scores, int64_t* labels) {
    for (int64_t q = 0; q < nq; q++) {
        faiss::minheap_heapify(k, scores + q * k, labels + q * k);
    }
}

} // namespace

void set_scan_threads(int n) {
    scan_threads.store(n);
}

int scan_thread_count() {
    return thread_count();
}

bool ivf_flat_scan_applies(const faiss::IndexIVF* index) {
    return dynamic_cast<const faiss::IndexIVFFlat*>(index) != nullptr
           && index->metric_type == faiss::METRIC_INNER_PRODUCT && flat_quantizer(index) != nullptr
           && index->code_size == index->d * sizeof(float);
}

void ivf_coarse_assign(const faiss::IndexIVF* index, const float* xq, int64_t nq, int64_t nprobe, int64_t* probes) {
    // The quantizer is a flat IP index over the nlist centroids: Glossa's exact kernel ranks them.
    const faiss::IndexFlat* quantizer = flat_quantizer(index);
    std::vector<float> coarse(nq * nprobe);
    if (nq < kCoarseGemmQueries) {
        // A few queries: the centroids scanned as one list by the list kernel on this thread, instead of an
        // sgemv that OpenBLAS may split over threads it must first wake. A small gain, near the noise at load
        // ~9.4 (10k, collection search, 2 rounds each: p50 0.313 / 0.276 -> 0.299 / 0.231 ms, p99 5.42 /
        // 5.43 -> 5.09 / 4.56 ms); at 100k the scan itself is most of a single query (perf: ~56 %).
        std::vector<int64_t> ids(quantizer->ntotal);
        std::iota(ids.begin(), ids.end(), 0);
        std::vector<int32_t> rows(nq);
        std::iota(rows.begin(), rows.end(), 0);
        init_heaps(nq, nprobe, coarse.data(), probes);
        scan_list(xq, rows.data(), nq, quantizer->get_xb(), ids.data(), quantizer->ntotal, index->d, nprobe,
                  coarse.data(), probes);
        for (int64_t q = 0; q < nq; q++) {
            faiss::minheap_reorder(nprobe, coarse.data() + q * nprobe, probes + q * nprobe);
        }
        return;
    }
    exact_inner_product_search(quantizer->get_xb(), quantizer->ntotal, index->d, xq, nq, nprobe, coarse.data(),
                               probes);
}

void ivf_flat_search(const faiss::IndexIVF* index, const float* xq, int64_t nq, int64_t k, int64_t nprobe,
                     float* scores, int64_t* labels) {
    const int64_t d = index->d;
    const int64_t nlist = (int64_t)index->nlist;
    nprobe = std::max<int64_t>(1, std::min(nprobe, nlist));
    std::vector<int64_t> probes(nq * nprobe);
    ivf_coarse_assign(index, xq, nq, nprobe, probes.data());

    // Invert the assignment: for each list, the query rows that probe it (CSR: offsets, rows).
    std::vector<int64_t> offsets(nlist + 1, 0);
    for (int64_t p : probes) {
        if (p >= 0) {
            offsets[p + 1]++;
        }
    }
    std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
    std::vector<int32_t> rows(offsets[nlist]);
    std::vector<int64_t> fill(offsets.begin(), offsets.end() - 1);
    for (int64_t q = 0; q < nq; q++) {
        for (int64_t p = 0; p < nprobe; p++) {
            const int64_t list = probes[q * nprobe + p];
            if (list >= 0) {
                rows[fill[list]++] = (int32_t)q;
            }
        }
    }
    // Jobs: the lists someone probes, the most work first so that threads finish together.
    std::vector<int64_t> jobs;
    int64_t work = 0;
    const faiss::InvertedLists* lists = index->invlists;
    for (int64_t list = 0; list < nlist; list++) {
        const int64_t n = (int64_t)lists->list_size(list);
        if (offsets[list + 1] > offsets[list] && n > 0) {
            jobs.push_back(list);
            work += n * (offsets[list + 1] - offsets[list]);
        }
    }
    std::sort(jobs.begin(), jobs.end(), [&](int64_t a, int64_t b) {
        return lists->list_size(a) * (offsets[a + 1] - offsets[a]) > lists->list_size(b) * (offsets[b + 1] - offsets[b]);
    });

    const int threads = work < kParallelWork ? 1 : std::min<int>(thread_count(), (int)std::max<size_t>(1, jobs.size()));
    init_heaps(nq, k, scores, labels);
    ThreadHeaps heaps(threads, nq, k, scores, labels);
    std::atomic<size_t> next{0};
    auto worker = [&](int t) {
        float* hs = heaps.scores(t);
        int64_t* hl = heaps.labels(t);
        for (size_t j = next++; j < jobs.size(); j = next++) {
            const int64_t list = jobs[j];
            faiss::InvertedLists::ScopedCodes codes(lists, list);
            faiss::InvertedLists::ScopedIds ids(lists, list);
            scan_list(xq, rows.data() + offsets[list], offsets[list + 1] - offsets[list],
                      reinterpret_cast<const float*>(codes.get()), ids.get(), (int64_t)lists->list_size(list), d, k,
                      hs, hl);
        }
    };
    heaps.run_and_merge(worker);
    for (int64_t q = 0; q < nq; q++) {
        faiss::minheap_reorder(k, scores + q * k, labels + q * k);
    }
}

void ivf_flat_search_naive(const faiss::IndexIVF* index, const float* xq, int64_t nq, int64_t k, int64_t nprobe,
                           const int64_t* probes, float* scores, int64_t* labels) {
    const int64_t d = index->d;
    init_heaps(nq, k, scores, labels);
    for (int64_t q = 0; q < nq; q++) {
        const float* query = xq + q * d;
        for (int64_t p = 0; p < nprobe; p++) {
            const int64_t list = probes[q * nprobe + p];
            if (list < 0) {
                continue;
            }
            faiss::InvertedLists::ScopedCodes codes(index->invlists, list);
            faiss::InvertedLists::ScopedIds ids(index->invlists, list);
            const float* x = reinterpret_cast<const float*>(codes.get());
            for (size_t j = 0; j < index->invlists->list_size(list); j++) {
                float sum = 0;
                for (int64_t c = 0; c < d; c++) {
                    sum += query[c] * x[j * d + c];
                }
                push(k, scores + q * k, labels + q * k, sum, ids[j]);
            }
        }
        faiss::minheap_reorder(k, scores + q * k, labels + q * k);
    }
}

} // namespace glossa
