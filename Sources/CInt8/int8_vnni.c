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

/// Blocks go 16 at a time: their maxima and sums are reduced together in registers, and their scales and
/// compensations are stored as one vector each. One block at a time, two horizontal reductions and a scalar
/// division each cost about 25 cycles a block (GlossaBench quantize: 11-14 ns on a 2.3 GHz Xeon).
#define Q8_GROUP 16

/// Sixteen vectors to one, lane i of the result being OP over the 16 lanes of v[i]: a tree of 30 shuffles (the
/// 16 _mm512_reduce_* it replaces take 64). The tree leaves v[L + 4e] at lane 4L + e; the permute puts it back.
#define Q8_REDUCE16(OP, v, result)                                                                      \
    do {                                                                                                \
        __m512 l1[8], l2[4], l3[2];                                                                     \
        for (int j = 0; j < 8; j++)                                                                     \
            l1[j] = OP(_mm512_shuffle_f32x4(v[2 * j], v[2 * j + 1], 0x44),                              \
                       _mm512_shuffle_f32x4(v[2 * j], v[2 * j + 1], 0xEE));                             \
        for (int j = 0; j < 4; j++)                                                                     \
            l2[j] = OP(_mm512_shuffle_f32x4(l1[2 * j], l1[2 * j + 1], 0x88),                            \
                       _mm512_shuffle_f32x4(l1[2 * j], l1[2 * j + 1], 0xDD));                           \
        for (int j = 0; j < 2; j++)                                                                     \
            l3[j] = OP(_mm512_shuffle_ps(l2[2 * j], l2[2 * j + 1], 0x44),                               \
                       _mm512_shuffle_ps(l2[2 * j], l2[2 * j + 1], 0xEE));                              \
        result = _mm512_permutexvar_ps(                                                                 \
            transpose4, OP(_mm512_shuffle_ps(l3[0], l3[1], 0x88), _mm512_shuffle_ps(l3[0], l3[1], 0xDD))); \
    } while (0)
#define Q8_MAX_PS(a, b) _mm512_max_ps(a, b)
#define Q8_ADD_EPI32(a, b) \
    _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(a), _mm512_castps_si512(b)))

/// One block's 32 inputs times `inverse`, rounded half to even and clamped to ±127, as two int32 vectors.
VNNI_TARGET static inline __attribute__((always_inline)) void quantize_block(
    const float* at, __mmask16 first, __mmask16 second, float inverse, __m512i* i0, __m512i* i1) {
    const __m512 scale = _mm512_set1_ps(inverse);
    const __m512i high = _mm512_set1_epi32(127);
    const __m512i low = _mm512_set1_epi32(-127);
    const __m512 v0 = _mm512_maskz_loadu_ps(first, at);
    const __m512 v1 = _mm512_maskz_loadu_ps(second, at + 16);
    const __m512i r0 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v0, scale), NEAREST_EVEN);
    const __m512i r1 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v1, scale), NEAREST_EVEN);
    *i0 = _mm512_min_epi32(_mm512_max_epi32(r0, low), high);
    *i1 = _mm512_min_epi32(_mm512_max_epi32(r1, low), high);
}

/// Blocks j0 ..< j0 + count (count ≤ 16) of glossa_q8_quantize_rows_avx512, q, scales and comp pointing at
/// block j0's, (*r, *b) its row and block in the row (advanced past the group).
VNNI_TARGET static inline __attribute__((always_inline)) void quantize_group(
    const float* x, int ldx, int nb, __mmask16 tail_first, __mmask16 tail_second, int count, int* r, int* b,
    int8_t* q, float* scales, int32_t* comp) {
    const __m512i transpose4 = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const float* at[Q8_GROUP];
    __mmask16 first[Q8_GROUP], second[Q8_GROUP];
    __m512 maxima[Q8_GROUP];
    for (int i = 0; i < Q8_GROUP; i++) {
        maxima[i] = _mm512_setzero_ps();
        if (i >= count) continue;
        // Masked loads zero the padding past k, as the portable zero-padded copy does.
        at[i] = x + (size_t)*r * ldx + *b * GLOSSA_Q8_BLOCK;
        first[i] = *b == nb - 1 ? tail_first : (__mmask16)0xFFFF;
        second[i] = *b == nb - 1 ? tail_second : (__mmask16)0xFFFF;
        // max_ps returns its second operand when either is NaN: the running maximum goes second.
        __m512 lanes = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(first[i], at[i])), maxima[i]);
        maxima[i] = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(second[i], at[i] + 16)), lanes);
        if (++*b == nb) {
            *b = 0;
            ++*r;
        }
    }
    __m512 amax;
    Q8_REDUCE16(Q8_MAX_PS, maxima, amax);
    const __mmask16 live = count == Q8_GROUP ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
    const __m512 maximum = _mm512_set1_ps(127.0f);
    _mm512_mask_storeu_ps(scales, live, _mm512_div_ps(amax, maximum));
    float inverse[Q8_GROUP];
    const __mmask16 nonzero = _mm512_cmp_ps_mask(amax, _mm512_setzero_ps(), _CMP_GT_OQ);
    _mm512_storeu_ps(inverse, _mm512_maskz_div_ps(nonzero, maximum, amax));

    // Two blocks a store: packs_epi32 then packs_epi16 interleave them by 4-byte groups per 128-bit lane
    // (clamped to ±127 first, so their saturation changes nothing), the same transpose4 undoes it.
    __m512 sums[Q8_GROUP];
    for (int i = 0; i < Q8_GROUP; i += 2) {
        sums[i] = sums[i + 1] = _mm512_setzero_ps();
        if (i >= count) continue;
        __m512i a0, a1, b0 = _mm512_setzero_si512(), b1 = _mm512_setzero_si512();
        quantize_block(at[i], first[i], second[i], inverse[i], &a0, &a1);
        if (i + 1 < count) quantize_block(at[i + 1], first[i + 1], second[i + 1], inverse[i + 1], &b0, &b1);
        sums[i] = _mm512_castsi512_ps(_mm512_add_epi32(a0, a1));
        sums[i + 1] = _mm512_castsi512_ps(_mm512_add_epi32(b0, b1));
        const __m512i bytes = _mm512_permutexvar_epi32(
            transpose4, _mm512_packs_epi16(_mm512_packs_epi32(a0, a1), _mm512_packs_epi32(b0, b1)));
        int8_t* out = q + (size_t)i * GLOSSA_Q8_BLOCK;
        if (i + 1 < count) {
            _mm512_storeu_si512((void*)out, bytes);
        } else {
            _mm256_storeu_si256((__m256i*)out, _mm512_castsi512_si256(bytes));
        }
    }
    __m512 sum;
    Q8_REDUCE16(Q8_ADD_EPI32, sums, sum);
    _mm512_mask_storeu_epi32(
        comp, live, _mm512_mullo_epi32(_mm512_castps_si512(sum), _mm512_set1_epi32(-128)));
}

VNNI_TARGET void glossa_q8_quantize_rows_avx512(
    const float* x, int t, int k, int ldx, int8_t* q, float* scales, int32_t* comp) {
    const int nb = (k + GLOSSA_Q8_BLOCK - 1) / GLOSSA_Q8_BLOCK;
    const int total = t * nb;
    // Block j = r · nb + b (row r, block b of the row) is at q + 32 j, its scale and compensation at j: the
    // quantised rows are kp = 32 nb wide, so a group of 16 may run on into the next row.
    // Only a row's last block can be short: its masks are worked out once, every other block loads 16 + 16.
    const int tail = k - (nb - 1) * GLOSSA_Q8_BLOCK;
    const __mmask16 tail_first = tail >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << tail) - 1);
    const __mmask16 tail_second =
        tail >= 32 ? (__mmask16)0xFFFF : tail > 16 ? (__mmask16)((1u << (tail - 16)) - 1) : (__mmask16)0;
    int r = 0, b = 0;
    for (int j0 = 0; j0 < total; j0 += Q8_GROUP) {
        const int count = total - j0 < Q8_GROUP ? total - j0 : Q8_GROUP;
        quantize_group(
            x, ldx, nb, tail_first, tail_second, count, &r, &b, q + (size_t)j0 * GLOSSA_Q8_BLOCK, scales + j0,
            comp + j0);
    }
}
