// Glossa's exact inner-product search. Two paths give the same top-k (scores differ only by summation order):
// - Batches on AVX-512 CPUs: the panel kernel. Stored vectors are packed 16 to a panel, component-major, and a
//   tile of 8 queries x 2 panels keeps its 256 scores in registers for the whole dot product; a score leaves
//   them only when it beats its query's k-th best, so no score matrix is written and read back. Blocks of
//   stored vectors are shared out to threads, each with its own heaps, merged at the end.
// - One query, or a CPU without AVX-512 (or ExactPath::blas): cblas_sgemv / cblas_sgemm per (query block x
//   stored block), then a top-k min-heap per query that only does work when a score beats the current k-th best.
#include "exact_search.h"

#include "ivf_scan.h"
#include "thread_heaps.h"

#include <cblas.h>
#include <faiss/utils/Heap.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

namespace glossa {

namespace {

// Query rows per sgemm: a batch of up to 1,024 queries is one block, so each stored block is packed by
// OpenBLAS once per batch, not once per 256 queries (packing was 7% of a 1,000-query batch at 100k).
constexpr int64_t kQueryBlock = 1024;
// Stored rows per sgemm; the score buffer is kQueryBlock x kBaseBlock floats (8 MiB), read back by the heaps
// while it is still in cache. 1,024 x 2,048 gave 1.08-1.12x the QPS of 256 x 8,192 (Zen 4, 100k x 384).
constexpr int64_t kBaseBlock = 2048;
// One query is a matrix-vector product; a bigger block lets OpenBLAS split sgemv across threads.
constexpr int64_t kBaseBlockSingleQuery = 65536;

// Pushes one row of scores (offset base in xb) into the query's heap (heap_scores, heap_labels): (k).
inline void push_row(
        const float* row,
        int64_t count,
        int64_t base,
        int64_t k,
        float* heap_scores,
        int64_t* heap_labels) {
    float threshold = heap_scores[0];
    constexpr int64_t kStep = 16;
    int64_t j = 0;
    for (; j + kStep <= count; j += kStep) {
        // After the first blocks almost no score beats the k-th best: a branch-free test of 16 at a time
        // (the compiler vectorises it) skips them, and only a group holding a better score is pushed.
        int any = 0;
        for (int64_t t = 0; t < kStep; t++) any |= row[j + t] > threshold;
        if (!any) continue;
        for (int64_t t = j; t < j + kStep; t++) {
            if (row[t] > threshold) {
                faiss::minheap_replace_top(k, heap_scores, heap_labels, row[t], base + t);
                threshold = heap_scores[0];
            }
        }
    }
    for (; j < count; j++) {
        if (row[j] > threshold) {
            faiss::minheap_replace_top(k, heap_scores, heap_labels, row[j], base + j);
            threshold = heap_scores[0];
        }
    }
}

// MARK: - The panel kernel (batches, AVX-512)

// Stored vectors per panel: one zmm holds one component of 16 of them.
constexpr int64_t kPanel = 16;
// Queries and panels per register tile: 8 x 2 accumulators of 16 scores (16 of the 32 zmm registers).
constexpr int kTileQueries = 8;
constexpr int64_t kTileVectors = 2 * kPanel;
// Stored vectors packed at a time by one thread: 512 x 384 floats is 768 KiB, which stays in L2 while every
// query tile of the batch passes over it.
constexpr int64_t kPackedBlock = 512;
// Below this many (query, stored vector) pairs the batch stays on one thread (a thread costs tens of µs).
constexpr int64_t kParallelPairs = 1 << 16;

const bool has_avx512 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
}();

// Packs stored rows xb: (count, d) into panels: (ceil(count / 32) * 2 panels, d, 16); missing vectors are zero.
void pack_panels(const float* xb, int64_t count, int64_t d, float* panels) {
    const int64_t padded = (count + kTileVectors - 1) / kTileVectors * kTileVectors;
    for (int64_t v = 0; v < padded; v++) {
        float* out = panels + (v / kPanel) * d * kPanel + (v % kPanel);
        if (v < count) {
            const float* row = xb + v * d;
            for (int64_t c = 0; c < d; c++) out[c * kPanel] = row[c];
        } else {
            for (int64_t c = 0; c < d; c++) out[c * kPanel] = 0.0f;
        }
    }
}

// Pushes the lanes of `scores` in `lanes` that beat the heap's k-th best; lane i is stored row first + i.
__attribute__((target("avx512f"))) inline void push_lanes(
        __m512 scores, __mmask16 lanes, int64_t first, int64_t k, float* heap_scores, int64_t* heap_labels) {
    __mmask16 above = _mm512_mask_cmp_ps_mask(lanes, scores, _mm512_set1_ps(heap_scores[0]), _CMP_GT_OQ);
    if (above == 0) return;
    alignas(64) float values[kPanel];
    _mm512_store_ps(values, scores);
    while (above != 0) {
        const int lane = __builtin_ctz(above);
        above &= above - 1;
        if (values[lane] > heap_scores[0]) {
            faiss::minheap_replace_top(k, heap_scores, heap_labels, values[lane], first + lane);
        }
    }
}

// One tile: queries q: (8, d) (rows beyond `rows` are padding) against the 32 vectors of two consecutive packed
// panels, of which the first `valid` are real and the first is stored row `first`; the real queries' heaps are
// heap_scores/heap_labels + i * k.
__attribute__((target("avx512f"))) void panel_tile(
        const float* q, int64_t d, int rows, const float* panels, int64_t first, int64_t valid, int64_t k,
        float* heap_scores, int64_t* heap_labels) {
    __m512 acc[kTileQueries][2];
#pragma GCC unroll 8
    for (int i = 0; i < kTileQueries; i++) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
    const float* p0 = panels;
    const float* p1 = panels + d * kPanel;
    for (int64_t c = 0; c < d; c++) {
        const __m512 b0 = _mm512_load_ps(p0 + c * kPanel);
        const __m512 b1 = _mm512_load_ps(p1 + c * kPanel);
#pragma GCC unroll 8
        for (int i = 0; i < kTileQueries; i++) {
            const __m512 a = _mm512_set1_ps(q[i * d + c]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
        }
    }
    const __mmask16 lanes0 = valid >= kPanel ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1);
    const __mmask16 lanes1 = valid >= 2 * kPanel ? (__mmask16)0xFFFF
                             : valid <= kPanel   ? (__mmask16)0
                                                 : (__mmask16)((1u << (valid - kPanel)) - 1);
    for (int i = 0; i < rows; i++) {
        push_lanes(acc[i][0], lanes0, first, k, heap_scores + i * k, heap_labels + i * k);
        push_lanes(acc[i][1], lanes1, first + kPanel, k, heap_scores + i * k, heap_labels + i * k);
    }
}

// The batch path on AVX-512: see the file comment. scores/labels already hold heapified (empty) heaps.
void panel_search(const float* xb, int64_t nb, int64_t d, const float* xq, int64_t nq, int64_t k, float* scores,
                  int64_t* labels) {
    // Queries padded with zero rows to whole tiles, so the tile never reads past the caller's buffer.
    const int64_t tiles = (nq + kTileQueries - 1) / kTileQueries;
    std::vector<float> queries(tiles * kTileQueries * d, 0.0f);
    std::copy(xq, xq + nq * d, queries.begin());
    const int64_t blocks = (nb + kPackedBlock - 1) / kPackedBlock;
    const int threads = nq * nb < kParallelPairs ? 1 : (int)std::min<int64_t>(scan_thread_count(), blocks);
    ThreadHeaps heaps(threads, nq, k, scores, labels);
    std::atomic<int64_t> next{0};
    auto worker = [&](int t) {
        float* hs = heaps.scores(t);
        int64_t* hl = heaps.labels(t);
        // 64-byte aligned for the panels' aligned loads.
        const size_t floats = (size_t)kPackedBlock * d;
        float* panels = static_cast<float*>(std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64));
        for (int64_t block = next++; block < blocks; block = next++) {
            const int64_t b0 = block * kPackedBlock;
            const int64_t bb = std::min(kPackedBlock, nb - b0);
            pack_panels(xb + b0 * d, bb, d, panels);
            for (int64_t tile = 0; tile < tiles; tile++) {
                const int64_t q0 = tile * kTileQueries;
                const int rows = (int)std::min<int64_t>(kTileQueries, nq - q0);
                for (int64_t v = 0; v < bb; v += kTileVectors) {
                    panel_tile(queries.data() + q0 * d, d, rows, panels + v * d, b0 + v, bb - v, k, hs + q0 * k,
                               hl + q0 * k);
                }
            }
        }
        std::free(panels);
    };
    heaps.run_and_merge(worker);
}

} // namespace

void exact_inner_product_search(
        const float* xb,
        int64_t nb,
        int64_t d,
        const float* xq,
        int64_t nq,
        int64_t k,
        float* scores,
        int64_t* labels,
        ExactPath path) {
    for (int64_t q = 0; q < nq; q++) {
        faiss::minheap_heapify(k, scores + q * k, labels + q * k);
    }
    if (nb > 0 && nq > 0) {
        if (nq > 1 && path == ExactPath::best && has_avx512) {
            panel_search(xb, nb, d, xq, nq, k, scores, labels);
        } else if (nq == 1) {
            // scores_block: (bb) = xb_block: (bb, d) . xq: (d)
            std::vector<float> block(std::min(nb, kBaseBlockSingleQuery));
            for (int64_t b0 = 0; b0 < nb; b0 += kBaseBlockSingleQuery) {
                const int64_t bb = std::min(kBaseBlockSingleQuery, nb - b0);
                cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)bb, (int)d, 1.0f, xb + b0 * d, (int)d, xq, 1, 0.0f,
                            block.data(), 1);
                push_row(block.data(), bb, b0, k, scores, labels);
            }
        } else {
            const int64_t qbMax = std::min(nq, kQueryBlock);
            const int64_t bbMax = std::min(nb, kBaseBlock);
            std::vector<float> block(qbMax * bbMax);
            for (int64_t q0 = 0; q0 < nq; q0 += kQueryBlock) {
                const int64_t qb = std::min(kQueryBlock, nq - q0);
                for (int64_t b0 = 0; b0 < nb; b0 += kBaseBlock) {
                    const int64_t bb = std::min(kBaseBlock, nb - b0);
                    // block: (qb, bb) = xq_block: (qb, d) . xb_block: (bb, d)^T
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)qb, (int)bb, (int)d, 1.0f,
                                xq + q0 * d, (int)d, xb + b0 * d, (int)d, 0.0f, block.data(), (int)bb);
                    for (int64_t q = 0; q < qb; q++) {
                        push_row(block.data() + q * bb, bb, b0, k, scores + (q0 + q) * k, labels + (q0 + q) * k);
                    }
                }
            }
        }
    }
    for (int64_t q = 0; q < nq; q++) {
        // Heap order -> best first; unfilled slots keep label -1.
        faiss::minheap_reorder(k, scores + q * k, labels + q * k);
    }
}

} // namespace glossa
