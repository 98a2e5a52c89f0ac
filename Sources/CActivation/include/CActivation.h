// CActivation: the encoder's transcendental kernels, owned by GlossaKernels: the element-wise GELU on AVX-512
// or AVX2 with fused multiply-adds, and one-pass attention per head (its softmax) on AVX-512.
// GELU's portable twin is GlossaKernels' SIMD8 Swift code (Activation.swift), which every CPU can run and which
// the parity tests hold these kernels to (both within 2e-7 · max(1, |x|) of the exact erf). Attention's
// fallback is the OpenBLAS route in Attention.swift, its naive twin Naive.attention.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU (and OS) runs AVX512-F instructions, else 0.
int glossa_act_cpu_has_avx512(void);

/// 1 when this CPU (and OS) runs AVX2 and FMA instructions, else 0.
int glossa_act_cpu_has_avx2(void);

/// x[r, c] ← gelu(x[r, c] + bias[c]) for r < rows, c < cols, row stride ld; bias may be NULL (no bias).
/// GELU is the erf form, x · ½ · (1 + erf(x / √2)), erf by Abramowitz & Stegun 7.1.26 as in PyTorch's
/// vectorised kernels. Call only when glossa_act_cpu_has_avx512().
void glossa_gelu_bias_avx512(float* x, int rows, int cols, int ld, const float* bias);

/// The same GELU on AVX2 with FMA, 8 lanes: the AVX-512 kernel's values bit for bit. Call only when
/// glossa_act_cpu_has_avx2().
void glossa_gelu_bias_avx2(float* x, int rows, int cols, int ld, const float* bias);

/// 1 when glossa_attention_avx512 takes heads of size d: a multiple of 16, at most 64 (mE5-small's 32,
/// base and large's 64).
int glossa_attention_supports(int d);

/// Floats of scratch glossa_attention_avx512 needs for n tokens of head size d: (d + 8) × n, n rounded up
/// to 16.
size_t glossa_attention_scratch_floats(int n, int d);

/// out[i, :] = Σ_j softmax_j(scale · q[i, :] · k[j, :]) · v[j, :] for i < n: q, k, v (n, d) with row stride
/// ld, out (n, d) with row stride ldo. The row maximum is subtracted before e^x (the Cephes expf of the GELU
/// kernels), and each context row is divided by its sum of exponentials at the end. scratch holds at least
/// glossa_attention_scratch_floats(n, d) floats. Call only when glossa_act_cpu_has_avx512() and
/// glossa_attention_supports(d), with n ≥ 1 (otherwise nothing is written).
void glossa_attention_avx512(
    const float* q,
    const float* k,
    const float* v,
    int ld,
    int n,
    int d,
    float scale,
    float* out,
    int ldo,
    float* scratch);

#ifdef __cplusplus
}
#endif
