// CActivation: the encoder's element-wise GELU on AVX-512 or AVX2 with fused multiply-adds, owned by
// GlossaKernels.
// The portable twin is GlossaKernels' SIMD8 Swift code (Activation.swift), which every CPU can run and which
// the parity tests hold this kernel to (both within 2e-7 · max(1, |x|) of the exact erf).
#pragma once

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

#ifdef __cplusplus
}
#endif
