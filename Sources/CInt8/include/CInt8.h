// CInt8: int8 matrix products for the encoder's int8 path, owned by GlossaKernels. Weights are int8 values
// with one fp32 scale per block of 32 inputs of each output row (exact 4-bit values where the model's weights
// are 4-bit); activations are quantised at run time to int8 with one scale per block of 32 of each token.
// Three kernels compute the same integer sums: AVX512-VNNI and AVX2 (each chosen at run time by a CPU check) and
// portable C; all apply the same fp32 epilogue in the same order, so their outputs are bit for bit equal.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Inputs per scale block (K is padded to a multiple of it).
#define GLOSSA_Q8_BLOCK 32
/// Output rows per packed tile (N is padded to a multiple of it).
#define GLOSSA_Q8_TILE 16

/// The kernels, as glossa_q8_quantize_rows and glossa_q8_gemm take them. A kernel the CPU lacks falls back to
/// the portable loops (same results, slower).
#define GLOSSA_Q8_KERNEL_PORTABLE 0
#define GLOSSA_Q8_KERNEL_AVX2 1
#define GLOSSA_Q8_KERNEL_VNNI 2

/// 1 when this CPU (and OS) runs AVX512-F/BW and AVX512-VNNI instructions, else 0.
int glossa_q8_cpu_has_vnni(void);

/// 1 when this CPU (and OS) runs AVX2 and FMA instructions, else 0.
int glossa_q8_cpu_has_avx2(void);

/// Bytes of the packed weights of an (n, k) matrix: padded n × padded k, one byte each.
size_t glossa_q8_packed_bytes(int n, int k);

/// Floats of the packed block scales of an (n, k) matrix: padded n × padded k / 32.
size_t glossa_q8_packed_scales(int n, int k);

/// Packs int8 weights q (n, k) row-major with scales (n, k/32 rounded up) row-major into the kernels' layout:
/// for each tile of 16 rows, for each block of 32 inputs, 8 groups of (16 rows × 4 consecutive inputs), each
/// value stored as q + 128 (an unsigned byte, what VNNI's u8·s8 product takes); padding holds 128 (zero).
void glossa_q8_pack_weights(
    const int8_t* q,
    const float* scales,
    int n,
    int k,
    uint8_t* packed,
    float* packed_scales);

/// Quantises rows of x (t, k), row stride ldx, per block of 32: scale = max|x| / 127, q = round-to-nearest-even
/// (x · 127 / max|x|) in −127…127 (an all-zero block gets scale 0). Writes q (t, kp) with kp = k rounded up to
/// 32 (padding zero), scales (t, kp/32), and comp (t, kp/32) = −128 · Σ q over the block (what undoes the +128
/// of the packed weights). kernel GLOSSA_Q8_KERNEL_VNNI selects the AVX-512 quantiser, GLOSSA_Q8_KERNEL_AVX2
/// the AVX2 one (each only where the CPU runs it): the same integers, scales and comp as the portable loops for
/// finite x.
void glossa_q8_quantize_rows(
    const float* x,
    int t,
    int k,
    int ldx,
    int8_t* q,
    float* scales,
    int32_t* comp,
    int kernel);

/// out[r, j] = Σ_blocks (xs[r, b] · ws[j, b] · Σ_block xq · wq) + bias[j] for rows r < t and output columns
/// j in [n0, n1) (n0 a multiple of 16); other columns of out (row stride ldo) are not written. bias may be NULL.
/// max_abs_weight bounds |q| over the packed weights (the AVX2 kernel sums in int16 when it is at most 16, as
/// 4-bit weights are). kernel: one of GLOSSA_Q8_KERNEL_*, used only where the CPU runs it.
void glossa_q8_gemm(
    const int8_t* xq,
    const float* xs,
    const int32_t* xc,
    int t,
    int k,
    const uint8_t* packed,
    const float* packed_scales,
    int max_abs_weight,
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
