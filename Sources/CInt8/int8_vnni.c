// CInt8's AVX512-VNNI kernel: out tile (up to 6 tokens × 32 outputs) = Σ over blocks of 32 inputs of
// xs · ws · (u8 weight · s8 activation sums, vpdpbusd into int32). Compiled for VNNI with a target attribute
// only here, so the library still loads on any x86-64; glossa_q8_gemm calls it after the CPU check.
#include <immintrin.h>
#include <string.h>

#include "int8_internal.h"

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

int glossa_q8_cpu_has_vnni(void) {
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 state (XGETBV).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
}

/// Most tokens of one tile: 6 × 2 int32 sums + 6 × 2 fp32 sums + 2 weight vectors + 1 broadcast = 27 of the 32
/// vector registers. Twelve independent vpdpbusd chains (where 4 tokens gave 8) cover the instruction's latency.
#define TILE_ROWS 6

// rows (≤ TILE_ROWS) tokens from row r × tiles (≤ 2) column tiles of 16 from column j0 (a multiple of 16).
VNNI_TARGET static inline __attribute__((always_inline)) void tile_kernel(
    const int rows,
    const int tiles,
    const q8_product* p,
    int r0,
    int j0) {
    const int nb = p->nb;
    const int8_t* xq = p->xq + (size_t)r0 * p->kp;
    const float* xs = p->xs + (size_t)r0 * nb;
    const int32_t* xc = p->xc + (size_t)r0 * nb;
    const uint8_t* w = p->packed + Q8_BLOCK_OFFSET(j0 / GLOSSA_Q8_TILE, 0, nb);
    const float* s = p->scales + Q8_SCALE_OFFSET(j0 / GLOSSA_Q8_TILE, 0, nb);
    const int valid = p->n1 - j0 < tiles * GLOSSA_Q8_TILE ? p->n1 - j0 : tiles * GLOSSA_Q8_TILE;
    __m512 acc[TILE_ROWS][2];
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < tiles; j++) acc[r][j] = _mm512_setzero_ps();
    const size_t tile_bytes = (size_t)nb * Q8_BLOCK_BYTES;
    const size_t tile_scales = (size_t)nb * GLOSSA_Q8_TILE;
    for (int b = 0; b < nb; b++) {
        // Each block's integer sum starts at −128·Σq, undoing the +128 stored in the weights.
        __m512i sums[TILE_ROWS][2];
        for (int r = 0; r < rows; r++) {
            const __m512i start = _mm512_set1_epi32(xc[(size_t)r * nb + b]);
            for (int j = 0; j < tiles; j++) sums[r][j] = start;
        }
        const uint8_t* wb = w + (size_t)b * Q8_BLOCK_BYTES;
        const int8_t* xb = xq + (size_t)b * GLOSSA_Q8_BLOCK;
        for (int g = 0; g < GLOSSA_Q8_BLOCK / 4; g++) {
            __m512i wv[2];
            for (int j = 0; j < tiles; j++) wv[j] = _mm512_loadu_si512((const void*)(wb + j * tile_bytes + g * 64));
            for (int r = 0; r < rows; r++) {
                int32_t four;
                memcpy(&four, xb + (size_t)r * p->kp + g * 4, 4);
                const __m512i xv = _mm512_set1_epi32(four);
                for (int j = 0; j < tiles; j++) sums[r][j] = _mm512_dpbusd_epi32(sums[r][j], wv[j], xv);
            }
        }
        __m512 ws[2];
        for (int j = 0; j < tiles; j++) ws[j] = _mm512_loadu_ps(s + j * tile_scales + (size_t)b * GLOSSA_Q8_TILE);
        for (int r = 0; r < rows; r++) {
            const __m512 scale = _mm512_set1_ps(xs[(size_t)r * nb + b]);
            for (int j = 0; j < tiles; j++) {
                // The portable kernel's order: product = sum · ws, then acc = product · xs + acc (one FMA).
                const __m512 product = _mm512_mul_ps(_mm512_cvtepi32_ps(sums[r][j]), ws[j]);
                acc[r][j] = _mm512_fmadd_ps(product, scale, acc[r][j]);
            }
        }
    }
    for (int j = 0; j < tiles; j++) {
        const int left = valid - j * GLOSSA_Q8_TILE;
        if (left <= 0) break;
        const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const float* bias = p->bias ? p->bias + j0 + j * GLOSSA_Q8_TILE : NULL;
        const __m512 bv = bias ? _mm512_maskz_loadu_ps(mask, bias) : _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) {
            _mm512_mask_storeu_ps(out_row(p, r0 + r) + j0 + j * GLOSSA_Q8_TILE, mask, _mm512_add_ps(acc[r][j], bv));
        }
    }
}

// Constant (rows, tiles) so that tile_kernel's arrays become registers.
VNNI_TARGET static void tile_dispatch(int rows, int tiles, const q8_product* p, int r0, int j0) {
#define TILE_CASE(R, J)                     \
    if (rows == R && tiles == J) {          \
        tile_kernel(R, J, p, r0, j0);       \
        return;                             \
    }
    TILE_CASE(6, 2) TILE_CASE(5, 2) TILE_CASE(4, 2) TILE_CASE(3, 2) TILE_CASE(2, 2) TILE_CASE(1, 2)
    TILE_CASE(6, 1) TILE_CASE(5, 1) TILE_CASE(4, 1) TILE_CASE(3, 1) TILE_CASE(2, 1) TILE_CASE(1, 1)
#undef TILE_CASE
}

VNNI_TARGET void glossa_q8_gemm_vnni(const q8_product* p) {
    for (int r0 = 0; r0 < p->t; r0 += Q8_ROW_BLOCK) {
        const int block_rows = p->t - r0 < Q8_ROW_BLOCK ? p->t - r0 : Q8_ROW_BLOCK;
        const int count = q8_tile_count(block_rows, TILE_ROWS);
        for (int j0 = p->n0; j0 < p->n1; j0 += 2 * GLOSSA_Q8_TILE) {
            const int tiles = p->n1 - j0 > GLOSSA_Q8_TILE ? 2 : 1;
            for (int i = 0, r = r0; i < count; i++) {
                const int rows = q8_tile_rows(block_rows, count, i);
                tile_dispatch(rows, tiles, p, r, j0);
                r += rows;
            }
        }
    }
}

// The portable quantiser's values (int8_portable.c) for one row block of 32 at a time: the maximum of |x| over
// the block (a NaN is passed over, as the portable compare does), scale = amax / 127, and each value times
// 127 / amax rounded to nearest even (the conversion's own rounding, which is what the portable add-and-remove
// of 1.5·2²³ computes), clamped to ±127. The same divisions and one multiply per value, so the same integers
// for finite x (a block whose maximum is subnormal, where 127 / amax overflows, may differ).
#define NEAREST_EVEN (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

VNNI_TARGET void glossa_q8_quantize_rows_avx512(
    const float* x, int t, int k, int ldx, int8_t* q, float* scales, int32_t* comp) {
    const int kp = (k + GLOSSA_Q8_BLOCK - 1) / GLOSSA_Q8_BLOCK * GLOSSA_Q8_BLOCK;
    const int nb = kp / GLOSSA_Q8_BLOCK;
    const __m512i high = _mm512_set1_epi32(127);
    const __m512i low = _mm512_set1_epi32(-127);
    for (int r = 0; r < t; r++) {
        const float* row = x + (size_t)r * ldx;
        int8_t* out = q + (size_t)r * kp;
        for (int b = 0; b < nb; b++) {
            const int start = b * GLOSSA_Q8_BLOCK;
            const int len = k - start < GLOSSA_Q8_BLOCK ? k - start : GLOSSA_Q8_BLOCK;
            // Masked loads zero the padding past k, as the portable zero-padded copy does.
            const __mmask16 first = len >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << len) - 1);
            const __mmask16 second =
                len >= 32 ? (__mmask16)0xFFFF : len > 16 ? (__mmask16)((1u << (len - 16)) - 1) : (__mmask16)0;
            const __m512 v0 = _mm512_maskz_loadu_ps(first, row + start);
            const __m512 v1 = _mm512_maskz_loadu_ps(second, row + start + 16);
            // max_ps returns its second operand when either is NaN: the running maximum goes second.
            __m512 lanes = _mm512_max_ps(_mm512_abs_ps(v0), _mm512_setzero_ps());
            lanes = _mm512_max_ps(_mm512_abs_ps(v1), lanes);
            const float amax = _mm512_reduce_max_ps(lanes);
            const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
            const __m512 scale = _mm512_set1_ps(inverse);
            __m512i i0 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v0, scale), NEAREST_EVEN);
            __m512i i1 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v1, scale), NEAREST_EVEN);
            i0 = _mm512_min_epi32(_mm512_max_epi32(i0, low), high);
            i1 = _mm512_min_epi32(_mm512_max_epi32(i1, low), high);
            _mm_storeu_si128((__m128i*)(out + start), _mm512_cvtepi32_epi8(i0));
            _mm_storeu_si128((__m128i*)(out + start + 16), _mm512_cvtepi32_epi8(i1));
            scales[(size_t)r * nb + b] = amax / 127.0f;
            comp[(size_t)r * nb + b] = -128 * _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        }
    }
}
