// CFourBit's packer (with the exactness check), its portable product (the AVX-512 kernel's twin) and the
// dispatch between them. Built with fp-contract off: every multiply-add here is an explicit fmaf, so the two
// kernels round the same operations the same way.
#include <math.h>
#include <string.h>

#include "fourbit_internal.h"

size_t glossa_q4_packed_bytes(int n, int k) {
    const size_t tiles = ((size_t)n + GLOSSA_Q4_TILE - 1) / GLOSSA_Q4_TILE;
    return tiles * Q4_TILE_OFFSET(1, k);
}

size_t glossa_q4_packed_scales(int n, int k) {
    const size_t tiles = ((size_t)n + GLOSSA_Q4_TILE - 1) / GLOSSA_Q4_TILE;
    return tiles * GLOSSA_Q4_TILE * ((size_t)k / GLOSSA_Q4_BLOCK);
}

/// The value a packed nibble u (q + 8) stands for under scale s, as both kernels expand it.
static inline float expand(int u, float s) { return fmaf((float)u, s, -8.0f * s); }

/// Finds s and q (−8…7) with expand(q + 8, s) == w[i] for each of the `count` values (at most 32) and writes
/// u[i] = q + 8; returns 0 when there are none. The scale is the block's largest magnitude over m for some m in
/// 1…8 (the only scales that can make every value exact), negated when the integers come out in −7…8 (Q4_0
/// stores d = extreme / −8). expand is one rounding of the exact q · s, so this is also the test q · s == w.
static int exact_block(const float* w, int count, uint8_t* u, float* scale) {
    float amax = 0;
    for (int i = 0; i < count; i++) {
        const float a = fabsf(w[i]);
        if (!(a <= amax)) amax = a;  // also takes a NaN, which then fails every check below
    }
    if (amax == 0) {
        memset(u, 8, (size_t)count);
        *scale = 0;
        return 1;
    }
    for (int m = 8; m >= 1; m--) {
        float s = amax / (float)m;
        int q[GLOSSA_Q4_BLOCK];
        int low = 0, high = 0, ok = 1;
        for (int i = 0; i < count && ok; i++) {
            const float r = rintf(w[i] / s);
            if (!(fabsf(r) <= 8) || r * s != w[i]) ok = 0;
            q[i] = (int)r;
            low = q[i] < low ? q[i] : low;
            high = q[i] > high ? q[i] : high;
        }
        if (!ok) continue;
        int sign = 1;
        if (low < -8 || high > 7) {
            if (low < -7 || high > 8) continue;
            sign = -1;
            s = -s;
        }
        for (int i = 0; i < count; i++) {
            u[i] = (uint8_t)(sign * q[i] + 8);
            if (expand(u[i], s) != w[i]) ok = 0;
        }
        if (!ok) continue;
        *scale = s;
        return 1;
    }
    return 0;
}

int glossa_q4_exact_block(const float* w, int count, int8_t* q, float* scale) {
    if (count <= 0 || count > GLOSSA_Q4_BLOCK) return 0;
    uint8_t u[GLOSSA_Q4_BLOCK];
    if (!exact_block(w, count, u, scale)) return 0;
    for (int i = 0; i < count; i++) q[i] = (int8_t)(u[i] - 8);
    return 1;
}

int glossa_q4_pack_exact(const float* w, int n, int k, uint8_t* packed, float* packed_scales) {
    if (n <= 0 || k <= 0 || k % GLOSSA_Q4_BLOCK != 0) return 0;
    const int nb = k / GLOSSA_Q4_BLOCK;
    memset(packed, 0x88, glossa_q4_packed_bytes(n, k));
    memset(packed_scales, 0, glossa_q4_packed_scales(n, k) * sizeof(float));
    for (int row = 0; row < n; row++) {
        const int tile = row / GLOSSA_Q4_TILE, lane = row % GLOSSA_Q4_TILE;
        uint8_t* tile_bytes = packed + Q4_TILE_OFFSET(tile, k);
        for (int b = 0; b < nb; b++) {
            uint8_t u[GLOSSA_Q4_BLOCK];
            float s;
            if (!exact_block(w + (size_t)row * k + (size_t)b * GLOSSA_Q4_BLOCK, GLOSSA_Q4_BLOCK, u, &s)) return 0;
            packed_scales[Q4_SCALE_OFFSET(tile, b, nb) + lane] = s;
            for (int i = 0; i < GLOSSA_Q4_BLOCK; i += 2) {
                const size_t pair = ((size_t)b * GLOSSA_Q4_BLOCK + i) / 2;
                tile_bytes[pair * Q4_PAIR_BYTES + lane] = (uint8_t)(u[i] | (u[i + 1] << 4));
            }
        }
    }
    return 1;
}

/// The portable product: per row and tile, 16 sums over the inputs in order, one fmaf per term.
static void gemm_portable(const q4_product* p) {
    const int nb = p->k / GLOSSA_Q4_BLOCK;
    for (int j0 = p->n0; j0 < p->n1; j0 += GLOSSA_Q4_TILE) {
        const int tile = j0 / GLOSSA_Q4_TILE;
        const int valid = p->n1 - j0 < GLOSSA_Q4_TILE ? p->n1 - j0 : GLOSSA_Q4_TILE;
        const uint8_t* bytes = p->packed + Q4_TILE_OFFSET(tile, p->k);
        for (int r = 0; r < p->t; r++) {
            const float* x = p->x + (size_t)r * p->ldx;
            float acc[GLOSSA_Q4_TILE] = {0};
            for (int b = 0; b < nb; b++) {
                const float* s = p->scales + Q4_SCALE_OFFSET(tile, b, nb);
                for (int i = b * GLOSSA_Q4_BLOCK; i < (b + 1) * GLOSSA_Q4_BLOCK; i += 2) {
                    const uint8_t* pair = bytes + (size_t)(i / 2) * Q4_PAIR_BYTES;
                    for (int lane = 0; lane < GLOSSA_Q4_TILE; lane++) {
                        acc[lane] = fmaf(expand(pair[lane] & 15, s[lane]), x[i], acc[lane]);
                        acc[lane] = fmaf(expand(pair[lane] >> 4, s[lane]), x[i + 1], acc[lane]);
                    }
                }
            }
            float* out = p->out + (size_t)r * p->ldo + j0;
            for (int lane = 0; lane < valid; lane++) out[lane] = p->bias ? acc[lane] + p->bias[j0 + lane] : acc[lane];
        }
    }
}

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
    int kernel) {
    if (n1 > n) n1 = n;
    if (t <= 0 || n0 >= n1 || k % GLOSSA_Q4_BLOCK != 0 || n0 % GLOSSA_Q4_TILE != 0) return;
    const q4_product p = {x, t, k, ldx, packed, packed_scales, n0, n1, bias, out, ldo};
    if (kernel == GLOSSA_Q4_KERNEL_AVX512 && glossa_q4_cpu_has_avx512())
        glossa_q4_gemm_avx512(&p);
    else
        gemm_portable(&p);
}
