// CInt8's AVX2 kernel, for x86-64 CPUs with AVX2 and FMA but no AVX512-VNNI (AMD Zen 2 and 3, Intel before
// Ice Lake). AVX2 has no u8·s8 → int32 dot product; vpmaddubsw multiplies u8 by s8 into saturated int16 pair
// sums, and vpmaddwd against ones widens those to int32. Fed the packed weights as stored (q + 128, up to 255)
// it would saturate (2 · 255 · 127 > 32767), so the kernel undoes the +128 in register (xor 0x80) and moves the
// activation's sign onto the weight: |x| (0…127) · sign(x)·q (−127…127) pairs stay within 2 · 127² = 32258.
// The int32 block sums are then Σ q·x exactly, the same integers the VNNI kernel gets from Σ (q+128)·x − 128·Σ x,
// and the fp32 epilogue is the portable one in the same order: the output equals the other kernels' bit for bit.
#include <immintrin.h>
#include <string.h>

#include "int8_internal.h"

#define AVX2_TARGET __attribute__((target("avx2,fma")))

int glossa_q8_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/// Tokens per tile: 4 tokens × 2 halves of 8 outputs = 8 int32 sums, plus 2 weight vectors, the broadcast and
/// its absolute value, ones and a temporary: 14 of the 16 vector registers (the fp32 sums live in memory,
/// touched once a block).
#define TILE_ROWS 4

/// Weights with |q| ≤ 16 (4-bit blocks are within 8) let a whole block's vpmaddubsw results add up in int16:
/// 8 groups × 2 · 127 · 16 = 32512 ≤ 32767, then one vpmaddwd a block instead of one a group.
#define NARROW_WEIGHT_LIMIT 16

// rows (≤ TILE_ROWS) tokens from row r0 × one column tile of 16 from column j0 (a multiple of 16).
AVX2_TARGET static inline __attribute__((always_inline)) void tile_kernel(
    const int rows, const int narrow, const q8_product* p, int r0, int j0) {
    const int nb = p->nb;
    const int8_t* xq = p->xq + (size_t)r0 * p->kp;
    const float* xs = p->xs + (size_t)r0 * nb;
    const uint8_t* w = p->packed + Q8_BLOCK_OFFSET(j0 / GLOSSA_Q8_TILE, 0, nb);
    const float* s = p->scales + Q8_SCALE_OFFSET(j0 / GLOSSA_Q8_TILE, 0, nb);
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[TILE_ROWS][2];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int b = 0; b < nb; b++) {
        const uint8_t* wb = w + (size_t)b * Q8_BLOCK_BYTES;
        const int8_t* xb = xq + (size_t)b * GLOSSA_Q8_BLOCK;
        __m256i sums[TILE_ROWS][2];
        for (int r = 0; r < rows; r++) sums[r][0] = sums[r][1] = _mm256_setzero_si256();
        for (int g = 0; g < GLOSSA_Q8_BLOCK / 4; g++) {
            // Rows 0–7 and 8–15 of the tile, 4 consecutive inputs each, back to signed q.
            const __m256i w0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(wb + g * 64)), flip);
            const __m256i w1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(wb + g * 64 + 32)), flip);
            for (int r = 0; r < rows; r++) {
                int32_t four;
                memcpy(&four, xb + (size_t)r * p->kp + g * 4, 4);
                const __m256i xv = _mm256_set1_epi32(four);
                const __m256i magnitude = _mm256_abs_epi8(xv);
                const __m256i p0 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w0, xv));
                const __m256i p1 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w1, xv));
                if (narrow) {
                    sums[r][0] = _mm256_add_epi16(sums[r][0], p0);
                    sums[r][1] = _mm256_add_epi16(sums[r][1], p1);
                } else {
                    sums[r][0] = _mm256_add_epi32(sums[r][0], _mm256_madd_epi16(p0, ones));
                    sums[r][1] = _mm256_add_epi32(sums[r][1], _mm256_madd_epi16(p1, ones));
                }
            }
        }
        const __m256 ws0 = _mm256_loadu_ps(s + (size_t)b * GLOSSA_Q8_TILE);
        const __m256 ws1 = _mm256_loadu_ps(s + (size_t)b * GLOSSA_Q8_TILE + 8);
        for (int r = 0; r < rows; r++) {
            if (narrow) {
                sums[r][0] = _mm256_madd_epi16(sums[r][0], ones);
                sums[r][1] = _mm256_madd_epi16(sums[r][1], ones);
            }
            const __m256 scale = _mm256_set1_ps(xs[(size_t)r * nb + b]);
            // The portable kernel's order: product = sum · ws, then acc = product · xs + acc (one FMA).
            acc[r][0] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(sums[r][0]), ws0), scale, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(sums[r][1]), ws1), scale, acc[r][1]);
        }
    }
    const int valid = p->n1 - j0 < GLOSSA_Q8_TILE ? p->n1 - j0 : GLOSSA_Q8_TILE;
    float bias[GLOSSA_Q8_TILE] = {0};
    if (p->bias) memcpy(bias, p->bias + j0, sizeof(float) * (size_t)valid);
    const __m256 b0 = _mm256_loadu_ps(bias);
    const __m256 b1 = _mm256_loadu_ps(bias + 8);
    for (int r = 0; r < rows; r++) {
        float* out = out_row(p, r0 + r) + j0;
        if (valid == GLOSSA_Q8_TILE) {
            _mm256_storeu_ps(out, _mm256_add_ps(acc[r][0], b0));
            _mm256_storeu_ps(out + 8, _mm256_add_ps(acc[r][1], b1));
        } else {
            // A last, partial tile: through a buffer, so that columns past n1 stay untouched.
            float tile[GLOSSA_Q8_TILE];
            _mm256_storeu_ps(tile, _mm256_add_ps(acc[r][0], b0));
            _mm256_storeu_ps(tile + 8, _mm256_add_ps(acc[r][1], b1));
            memcpy(out, tile, sizeof(float) * (size_t)valid);
        }
    }
}

// Constant (rows, narrow) so that tile_kernel's arrays become registers.
AVX2_TARGET static void tile_dispatch(int rows, int narrow, const q8_product* p, int r0, int j0) {
#define TILE_CASE(R, N)                    \
    if (rows == R && narrow == N) {        \
        tile_kernel(R, N, p, r0, j0);      \
        return;                            \
    }
    TILE_CASE(4, 1) TILE_CASE(3, 1) TILE_CASE(2, 1) TILE_CASE(1, 1)
    TILE_CASE(4, 0) TILE_CASE(3, 0) TILE_CASE(2, 0) TILE_CASE(1, 0)
#undef TILE_CASE
}

AVX2_TARGET void glossa_q8_gemm_avx2(const q8_product* p) {
    const int narrow = p->max_abs_weight <= NARROW_WEIGHT_LIMIT;
    for (int r0 = 0; r0 < p->t; r0 += Q8_ROW_BLOCK) {
        const int block_rows = p->t - r0 < Q8_ROW_BLOCK ? p->t - r0 : Q8_ROW_BLOCK;
        const int count = q8_tile_count(block_rows, TILE_ROWS);
        for (int j0 = p->n0; j0 < p->n1; j0 += GLOSSA_Q8_TILE) {
            for (int i = 0, r = r0; i < count; i++) {
                const int rows = q8_tile_rows(block_rows, count, i);
                tile_dispatch(rows, narrow, p, r, j0);
                r += rows;
            }
        }
    }
}

// The portable quantiser's values (int8_portable.c) with AVX2, a block of 32 at a time; see the AVX-512 twin in
// int8_vnni.c for why the values agree: the same running maximum (NaN passed over: the running maximum is
// max_ps's second operand), the same division, one multiply per value, the conversion's round-to-nearest-even
// (the default MXCSR mode) and the same clamp.
AVX2_TARGET void glossa_q8_quantize_rows_avx2(
    const float* x, int t, int k, int ldx, int8_t* q, float* scales, int32_t* comp) {
    const int kp = (k + GLOSSA_Q8_BLOCK - 1) / GLOSSA_Q8_BLOCK * GLOSSA_Q8_BLOCK;
    const int nb = kp / GLOSSA_Q8_BLOCK;
    const __m256 magnitude_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256i high = _mm256_set1_epi32(127);
    const __m256i low = _mm256_set1_epi32(-127);
    // vpackssdw / vpacksswb work within 128-bit lanes; this puts the 32 bytes back in input order.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int r = 0; r < t; r++) {
        const float* row = x + (size_t)r * ldx;
        int8_t* out = q + (size_t)r * kp;
        for (int b = 0; b < nb; b++) {
            const int start = b * GLOSSA_Q8_BLOCK;
            const int len = k - start < GLOSSA_Q8_BLOCK ? k - start : GLOSSA_Q8_BLOCK;
            float padded[GLOSSA_Q8_BLOCK];
            const float* block = row + start;
            if (len < GLOSSA_Q8_BLOCK) {
                // The zero padding past k, as in the portable copy.
                memset(padded, 0, sizeof padded);
                memcpy(padded, block, sizeof(float) * (size_t)len);
                block = padded;
            }
            __m256 v[4];
            __m256 lanes = _mm256_setzero_ps();
            for (int i = 0; i < 4; i++) {
                v[i] = _mm256_loadu_ps(block + 8 * i);
                lanes = _mm256_max_ps(_mm256_and_ps(v[i], magnitude_mask), lanes);
            }
            __m128 half = _mm_max_ps(_mm256_castps256_ps128(lanes), _mm256_extractf128_ps(lanes, 1));
            half = _mm_max_ps(half, _mm_movehl_ps(half, half));
            half = _mm_max_ss(half, _mm_shuffle_ps(half, half, 1));
            const float amax = _mm_cvtss_f32(half);
            const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
            const __m256 scale = _mm256_set1_ps(inverse);
            __m256i ints[4];
            __m256i total = _mm256_setzero_si256();
            for (int i = 0; i < 4; i++) {
                ints[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], scale));
                ints[i] = _mm256_min_epi32(_mm256_max_epi32(ints[i], low), high);
                total = _mm256_add_epi32(total, ints[i]);
            }
            const __m256i bytes = _mm256_permutevar8x32_epi32(
                _mm256_packs_epi16(_mm256_packs_epi32(ints[0], ints[1]), _mm256_packs_epi32(ints[2], ints[3])),
                order);
            _mm256_storeu_si256((__m256i*)(out + start), bytes);
            __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
            sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
            sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
            scales[(size_t)r * nb + b] = amax / 127.0f;
            comp[(size_t)r * nb + b] = -128 * _mm_cvtsi128_si32(sum);
        }
    }
}
