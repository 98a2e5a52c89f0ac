// CInt8: int8 matrix products for the encoder's int8 path, owned by GlossaKernels. Weights are int8 values
// with one fp32 scale per block of 32 inputs of each output row (exact 4-bit values where the model's weights
// are 4-bit); activations are quantised at run time to int8 with one scale per block of 32 of each token.
// Two kernels compute the same integer sums: AVX512-VNNI (chosen at run time by a CPU check) and portable C;
// both apply the same fp32 epilogue in the same order, so their outputs are bit for bit equal.
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

/// 1 when this CPU (and OS) runs AVX512-F/BW and AVX512-VNNI instructions, else 0.
int glossa_q8_cpu_has_vnni(void);

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
/// of the packed weights). use_avx512 selects the AVX-512 quantiser (only when glossa_q8_cpu_has_vnni()),
/// which gives the same integers, scales and comp as the portable loops for finite x.
void glossa_q8_quantize_rows(
    const float* x,
    int t,
    int k,
    int ldx,
    int8_t* q,
    float* scales,
    int32_t* comp,
    int use_avx512);

/// out[r, j] = Σ_blocks (xs[r, b] · ws[j, b] · Σ_block xq · wq) + bias[j] for rows r < t and output columns
/// j in [n0, n1) (n0 a multiple of 16); other columns of out (row stride ldo) are not written. bias may be NULL.
/// use_vnni selects the AVX512-VNNI kernel (only when glossa_q8_cpu_has_vnni()) or the portable one.
void glossa_q8_gemm(
    const int8_t* xq,
    const float* xs,
    const int32_t* xc,
    int t,
    int k,
    const uint8_t* packed,
    const float* packed_scales,
    int n,
    int n0,
    int n1,
    const float* bias,
    float* out,
    int ldo,
    int use_vnni);

#ifdef __cplusplus
}
#endif
