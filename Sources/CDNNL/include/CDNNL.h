// CDNNL: fp32 matrix products for the encoder's exact path on oneDNN (Debian's libdnnl 2.6), owned by
// GlossaKernels. A Linear weight is reordered once into the blocked layout oneDNN's own kernels choose
// (format "any"), so that no product re-packs it; products then run single-threaded on the calling thread
// (the encoder spreads work over its own team of threads). Errors come back as a return code and a message,
// never as an exception across the C boundary.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An (n, k) Linear weight prepacked for out (m, n) = x (m, k) · weightᵀ, and its lanes: each lane has its own
/// stream and primitives (one per row count m and strides, kept for reuse). Different lanes may run products
/// at the same time on different threads; one lane is for one thread at a time.
typedef struct glossa_dnnl_linear glossa_dnnl_linear;

/// Packs `weight`, rows `first_row ..< first_row + n` of a row-major (·, k) matrix in the nn.Linear layout
/// [out, in], with `lanes` lanes (at least 1). Returns NULL and writes a message into `error`
/// (`error_length` bytes) when oneDNN refuses.
glossa_dnnl_linear* glossa_dnnl_linear_pack(
    const float* weight,
    int64_t n,
    int64_t k,
    int64_t lanes,
    char* error,
    size_t error_length);

void glossa_dnnl_linear_free(glossa_dnnl_linear* linear);

/// Bytes the packed weight holds (oneDNN's layout pads n and k to its blocks).
size_t glossa_dnnl_linear_packed_bytes(const glossa_dnnl_linear* linear);

/// out[i, j] = Σ_l x[i, l] · weight[j, l] (+ bias[j] when bias is not NULL), for i < m, j < n; x has row
/// stride ldx, out row stride ldo (both in elements), so a column slice of a wider output can be written.
/// Runs on the calling thread only, with lane `lane` (0 ..< lanes). Returns 0, or -1 with a message in `error`.
int glossa_dnnl_linear_apply(
    glossa_dnnl_linear* linear,
    int64_t lane,
    const float* x,
    int64_t m,
    int64_t ldx,
    const float* bias,
    float* out,
    int64_t ldo,
    char* error,
    size_t error_length);

/// The name of the oneDNN implementation that runs products of m rows (e.g. "brg:avx512_core"), for
/// benchmarks and diagnostics; writes "" when there is none.
void glossa_dnnl_linear_kernel_name(glossa_dnnl_linear* linear, int64_t m, char* name, size_t name_length);

#ifdef __cplusplus
}
#endif
