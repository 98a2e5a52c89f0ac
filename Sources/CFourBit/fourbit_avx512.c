// CFourBit's AVX-512 kernel: a tile of up to 16 tokens × 16 outputs, the weights expanded from 4-bit in
// registers (zero-extend 16 bytes, split the nibbles, convert, one FMA with the scale) and then multiplied into
// 16 accumulators, so each expanded pair of weight vectors serves every token of the tile. Compiled for AVX-512
// with a target attribute only here, so the library still loads on any x86-64; glossa_q4_gemm calls it after
// the CPU check.
#include <immintrin.h>

#include "fourbit_internal.h"

#define AVX512_TARGET __attribute__((target("avx512f")))

int glossa_q4_cpu_has_avx512(void) {
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 state (XGETBV).
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return known;
}

/// Most tokens per tile: 16 accumulators + 2 weight vectors + scale, −8·scale and the expansion temporaries
/// fit the 32 vector registers; a query's 8-20 tokens then expand each weight once or twice.
#define TILE_ROWS 16

// rows (≤ TILE_ROWS) tokens from row r0 × the 16 outputs of tile `tile`.
AVX512_TARGET static inline __attribute__((always_inline)) void tile_kernel(
    const int rows, const q4_product* p, int r0, int tile) {
    const int nb = p->k / GLOSSA_Q4_BLOCK;
    const uint8_t* bytes = p->packed + Q4_TILE_OFFSET(tile, p->k);
    const float* x = p->x + (size_t)r0 * p->ldx;
    const __m512i low_nibble = _mm512_set1_epi32(15);
    __m512 acc[TILE_ROWS];
    for (int r = 0; r < rows; r++) acc[r] = _mm512_setzero_ps();
    for (int b = 0; b < nb; b++) {
        const __m512 s = _mm512_loadu_ps(p->scales + Q4_SCALE_OFFSET(tile, b, nb));
        const __m512 minus8s = _mm512_mul_ps(s, _mm512_set1_ps(-8.0f));
        for (int i = b * GLOSSA_Q4_BLOCK; i < (b + 1) * GLOSSA_Q4_BLOCK; i += 2) {
            const __m128i pair = _mm_loadu_si128((const __m128i*)(bytes + (size_t)(i / 2) * Q4_PAIR_BYTES));
            const __m512i u = _mm512_cvtepu8_epi32(pair);
            const __m512 w0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_and_si512(u, low_nibble)), s, minus8s);
            const __m512 w1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(u, 4)), s, minus8s);
            for (int r = 0; r < rows; r++) {
                const float* xr = x + (size_t)r * p->ldx + i;
                acc[r] = _mm512_fmadd_ps(w0, _mm512_set1_ps(xr[0]), acc[r]);
                acc[r] = _mm512_fmadd_ps(w1, _mm512_set1_ps(xr[1]), acc[r]);
            }
        }
    }
    const int j0 = tile * GLOSSA_Q4_TILE;
    const int valid = p->n1 - j0 < GLOSSA_Q4_TILE ? p->n1 - j0 : GLOSSA_Q4_TILE;
    const __mmask16 mask = (__mmask16)((1u << valid) - 1u);
    const __m512 bias = p->bias ? _mm512_maskz_loadu_ps(mask, p->bias + j0) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        const __m512 v = p->bias ? _mm512_add_ps(acc[r], bias) : acc[r];
        _mm512_mask_storeu_ps(p->out + (size_t)(r0 + r) * p->ldo + j0, mask, v);
    }
}

#define TILE_CASE(R) \
    case R: tile_kernel(R, p, r0, tile); break;

AVX512_TARGET void glossa_q4_gemm_avx512(const q4_product* p) {
    // Rows in equal chunks of at most TILE_ROWS (13 tokens: one chunk; 20: two of 10), so that no chunk is a
    // sliver that pays a whole expansion for one token.
    const int chunks = (p->t + TILE_ROWS - 1) / TILE_ROWS;
    const int per_chunk = (p->t + chunks - 1) / chunks;
    for (int tile = p->n0 / GLOSSA_Q4_TILE; tile * GLOSSA_Q4_TILE < p->n1; tile++) {
        for (int r0 = 0; r0 < p->t; r0 += per_chunk) {
            const int rows = p->t - r0 < per_chunk ? p->t - r0 : per_chunk;
            switch (rows) {
                TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6) TILE_CASE(7)
                TILE_CASE(8) TILE_CASE(9) TILE_CASE(10) TILE_CASE(11) TILE_CASE(12) TILE_CASE(13)
                TILE_CASE(14) TILE_CASE(15) TILE_CASE(16)
                default: break;
            }
        }
    }
}
