// CActivation's scaled dot-product attention for one head in one pass on AVX-512. Why: the OpenBLAS route ran
// two small sgemm calls per (text, head), 288 a query, with the softmax in between over scores in memory; on
// batches of passages in the int8 encoder those took 22 % of the cycles (perf, Intel Xeon, 2026-12-07).
//
// Per head: the keys are transposed once into scratch (kᵀ, d × n), then the queries go 8 rows at a time:
// their scores (8 × n, in L1) against 32 keys at a time (two vectors), the row maxima, e^(s − max) in place,
// and the context Σ_j e_j · v_j, divided by Σ_j e_j at the end. The naive twin is Naive.attention (softmax first, then · v);
// the two differ in rounding only, which the parity tests bound.
#include <immintrin.h>
#include <math.h>

#include "CActivation.h"
#include "exp_avx512.h"

/// Query rows per block: 8 score accumulators, and 8 × 2 context accumulators for d = 32.
#define QUERY_ROWS 8

static inline int padded16(int n) { return (n + 15) / 16 * 16; }

int glossa_attention_supports(int d) { return d >= 16 && d <= 64 && d % 16 == 0; }

size_t glossa_attention_scratch_floats(int n, int d) { return (size_t)(d + QUERY_ROWS) * (size_t)padded16(n); }

/// Lanes 0..<count of a 16-lane vector (all of them for count ≥ 16).
static inline __mmask16 first_lanes(int count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/// Transposes 16 rows of 16 floats in registers: afterwards r[i] holds what was column i. Pairs of rows
/// interleave (unpack), then quadruples (shuffle within 128-bit lanes), then the 128-bit lanes themselves.
AVX512_TARGET static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    // r[4g + c] now holds, for rows 4g..4g+3, columns c, c+4, c+8, c+12 (one per 128-bit lane).
    for (int c = 0; c < 4; c++) {
        t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);       // columns c, c+8 of rows 0-7
        t[4 + c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);   // columns c+4, c+12 of rows 0-7
        t[8 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xDD);
        r[4 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xDD);
    }
}

/// kt (d, np) = kᵀ, zero in the columns n..<np: 16 keys × 16 features at a time through the registers.
AVX512_TARGET static void transpose_keys(const float* k, int ld, int n, int d, float* kt, int np) {
    for (int j0 = 0; j0 < np; j0 += 16) {
        for (int c0 = 0; c0 < d; c0 += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++) {
                r[i] = j0 + i < n ? _mm512_loadu_ps(k + (size_t)(j0 + i) * (size_t)ld + c0) : _mm512_setzero_ps();
            }
            transpose16(r);
            for (int i = 0; i < 16; i++) _mm512_storeu_ps(kt + (size_t)(c0 + i) * (size_t)np + j0, r[i]);
        }
    }
}

/// s (rows, np) = scale · q kᵀ for `rows` query rows, and each row's maximum over its n real scores. Keys go
/// 32 at a time (two vectors, 2 · rows accumulators) so that each broadcast query value feeds two FMAs.
AVX512_TARGET static inline __attribute__((always_inline)) void score_rows(
    const int rows,
    const float* q,
    int ld,
    const float* kt,
    int n,
    int np,
    int d,
    float scale,
    float* s,
    float* maxima) {
    const __m512 vscale = _mm512_set1_ps(scale);
    int j0 = 0;
    for (; j0 + 32 <= np; j0 += 32) {
        __m512 acc0[QUERY_ROWS], acc1[QUERY_ROWS];
        for (int r = 0; r < rows; r++) {
            acc0[r] = _mm512_setzero_ps();
            acc1[r] = _mm512_setzero_ps();
        }
        for (int c = 0; c < d; c++) {
            const __m512 keys0 = _mm512_loadu_ps(kt + (size_t)c * (size_t)np + j0);
            const __m512 keys1 = _mm512_loadu_ps(kt + (size_t)c * (size_t)np + j0 + 16);
            for (int r = 0; r < rows; r++) {
                const __m512 x = _mm512_set1_ps(q[(size_t)r * (size_t)ld + c]);
                acc0[r] = _mm512_fmadd_ps(x, keys0, acc0[r]);
                acc1[r] = _mm512_fmadd_ps(x, keys1, acc1[r]);
            }
        }
        for (int r = 0; r < rows; r++) {
            const __m512 scores0 = _mm512_mul_ps(acc0[r], vscale);
            const __m512 scores1 = _mm512_mul_ps(acc1[r], vscale);
            _mm512_storeu_ps(s + (size_t)r * (size_t)np + j0, scores0);
            _mm512_storeu_ps(s + (size_t)r * (size_t)np + j0 + 16, scores1);
        }
    }
    for (; j0 < np; j0 += 16) {
        __m512 acc[QUERY_ROWS];
        for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
        for (int c = 0; c < d; c++) {
            const __m512 keys = _mm512_loadu_ps(kt + (size_t)c * (size_t)np + j0);
            for (int r = 0; r < rows; r++) {
                acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)r * (size_t)ld + c]), keys, acc[r]);
            }
        }
        for (int r = 0; r < rows; r++) {
            _mm512_storeu_ps(s + (size_t)r * (size_t)np + j0, _mm512_mul_ps(acc[r], vscale));
        }
    }
    // The maxima from the stored rows (in L1), not in the loops above: 8 running maxima there pushed GCC into
    // spilling the key vectors (23.0 -> 21.3 us a head at n = 128, 415 -> 345 us at 512, one core).
    for (int r = 0; r < rows; r++) {
        const float* row = s + (size_t)r * (size_t)np;
        __m512 m = _mm512_set1_ps(-INFINITY);
        for (int j = 0; j < np; j += 16) m = _mm512_mask_max_ps(m, first_lanes(n - j), m, _mm512_loadu_ps(row + j));
        maxima[r] = _mm512_reduce_max_ps(m);
    }
}

/// s[r, j] ← e^(s[r, j] − maxima[r]) for j < n (0 past n), and inverse[r] = 1 / Σ_j of them.
AVX512_TARGET static inline __attribute__((always_inline)) void exponentiate_rows(
    const int rows, float* s, int n, int np, const float* maxima, float* inverse) {
    for (int r = 0; r < rows; r++) {
        float* row = s + (size_t)r * (size_t)np;
        const __m512 top = _mm512_set1_ps(maxima[r]);
        __m512 sum = _mm512_setzero_ps();
        for (int j0 = 0; j0 < np; j0 += 16) {
            const __m512 shifted = _mm512_sub_ps(_mm512_loadu_ps(row + j0), top);
            const __m512 e = _mm512_maskz_mov_ps(first_lanes(n - j0), exp16(shifted));
            _mm512_storeu_ps(row + j0, e);
            sum = _mm512_add_ps(sum, e);
        }
        inverse[r] = 1.0f / _mm512_reduce_add_ps(sum);
    }
}

/// out (rows, 16 · vectors) = (Σ_j e[r, j] · v[j, :]) · inverse[r], row stride ldo.
AVX512_TARGET static inline __attribute__((always_inline)) void context_rows(
    const int rows,
    const int vectors,
    const float* e,
    int n,
    int np,
    const float* inverse,
    const float* v,
    int ld,
    float* out,
    int ldo) {
    __m512 acc[QUERY_ROWS][4];
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < vectors; c++) acc[r][c] = _mm512_setzero_ps();
    for (int j = 0; j < n; j++) {
        __m512 values[4];
        for (int c = 0; c < vectors; c++) values[c] = _mm512_loadu_ps(v + (size_t)j * (size_t)ld + 16 * c);
        for (int r = 0; r < rows; r++) {
            const __m512 weight = _mm512_set1_ps(e[(size_t)r * (size_t)np + j]);
            for (int c = 0; c < vectors; c++) acc[r][c] = _mm512_fmadd_ps(weight, values[c], acc[r][c]);
        }
    }
    for (int r = 0; r < rows; r++) {
        const __m512 scale = _mm512_set1_ps(inverse[r]);
        for (int c = 0; c < vectors; c++) {
            _mm512_storeu_ps(out + (size_t)r * (size_t)ldo + 16 * c, _mm512_mul_ps(acc[r][c], scale));
        }
    }
}

// Constant (rows, vectors) so that the accumulator arrays become registers: 8 rows for d ≤ 32 (16 context
// accumulators), 4 rows at a time above (16 again for d = 64).
AVX512_TARGET static void block_dispatch(
    int rows, const float* q, const float* v, int ld, int n, int np, int d, float scale, const float* kt, float* s,
    float* out, int ldo) {
    float maxima[QUERY_ROWS];
    float inverse[QUERY_ROWS];
    const int vectors = d / 16;
#define ROWS_CASE(R)                                                                    \
    case R:                                                                             \
        score_rows(R, q, ld, kt, n, np, d, scale, s, maxima);                          \
        exponentiate_rows(R, s, n, np, maxima, inverse);                               \
        break;
    switch (rows) {
        ROWS_CASE(1) ROWS_CASE(2) ROWS_CASE(3) ROWS_CASE(4) ROWS_CASE(5) ROWS_CASE(6) ROWS_CASE(7) ROWS_CASE(8)
        default: return;
    }
#undef ROWS_CASE
    for (int r0 = 0; r0 < rows;) {
        const int most = vectors <= 2 ? QUERY_ROWS : 4;
        const int part = rows - r0 < most ? rows - r0 : most;
        const float* e = s + (size_t)r0 * (size_t)np;
        float* o = out + (size_t)r0 * (size_t)ldo;
#define CONTEXT_CASE(R, V)                                                              \
    if (part == R && vectors == V) {                                                    \
        context_rows(R, V, e, n, np, inverse + r0, v, ld, o, ldo);                      \
    } else
        CONTEXT_CASE(8, 1) CONTEXT_CASE(7, 1) CONTEXT_CASE(6, 1) CONTEXT_CASE(5, 1)
        CONTEXT_CASE(4, 1) CONTEXT_CASE(3, 1) CONTEXT_CASE(2, 1) CONTEXT_CASE(1, 1)
        CONTEXT_CASE(8, 2) CONTEXT_CASE(7, 2) CONTEXT_CASE(6, 2) CONTEXT_CASE(5, 2)
        CONTEXT_CASE(4, 2) CONTEXT_CASE(3, 2) CONTEXT_CASE(2, 2) CONTEXT_CASE(1, 2)
        CONTEXT_CASE(4, 3) CONTEXT_CASE(3, 3) CONTEXT_CASE(2, 3) CONTEXT_CASE(1, 3)
        CONTEXT_CASE(4, 4) CONTEXT_CASE(3, 4) CONTEXT_CASE(2, 4) CONTEXT_CASE(1, 4) {}
#undef CONTEXT_CASE
        r0 += part;
    }
}

AVX512_TARGET void glossa_attention_avx512(
    const float* q,
    const float* k,
    const float* v,
    int ld,
    int n,
    int d,
    float scale,
    float* out,
    int ldo,
    float* scratch) {
    if (n < 1 || !glossa_attention_supports(d)) return;
    const int np = padded16(n);
    float* kt = scratch;
    float* s = scratch + (size_t)d * (size_t)np;
    transpose_keys(k, ld, n, d, kt, np);
    for (int i0 = 0; i0 < n; i0 += QUERY_ROWS) {
        const int rows = n - i0 < QUERY_ROWS ? n - i0 : QUERY_ROWS;
        block_dispatch(rows, q + (size_t)i0 * (size_t)ld, v, ld, n, np, d, scale, kt, s,
                       out + (size_t)i0 * (size_t)ldo, ldo);
    }
}
