// Glossa's exact inner-product k-NN kernel (internal to CFaiss): a register-tiled AVX-512 panel kernel for
// batches, blockwise cblas_sgemm / sgemv elsewhere, each with a size-k min-heap per query. Used for flat IP
// indexes instead of Debian's non-AVX2 faiss path.
#pragma once

#include <cstdint>

namespace glossa {

/// Which path computes the scores: best = the panel kernel for batches on AVX-512 CPUs, else BLAS; blas =
/// always cblas_sgemm / sgemv (what a CPU without AVX-512 runs; tests force it to check both).
enum class ExactPath { best, blas };

/// xb: (nb, d) row-major stored vectors; xq: (nq, d) queries; scores, labels: (nq, k), best first.
/// labels are row numbers in xb; slots beyond nb get label -1 and score -FLT_MAX (faiss's convention).
void exact_inner_product_search(
        const float* xb,
        int64_t nb,
        int64_t d,
        const float* xq,
        int64_t nq,
        int64_t k,
        float* scores,
        int64_t* labels,
        ExactPath path = ExactPath::best);

} // namespace glossa
